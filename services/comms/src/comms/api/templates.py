"""Email templates per tenant, with placeholders checked at save."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.etag import optional_version, with_etag
from fieldbook_shared.verbs import created, creates, edits, lists, reads
from fieldbook_shared.web import current_uow

from ..domain.templates import PLACEHOLDERS
from ..service import templates as service
from .schemas import PagedQuery, PlaceholderSchema, TemplateInSchema, TemplateSchema

blp = Blueprint(
    "email_templates",
    __name__,
    url_prefix="/v1/email-templates",
    description="Email templates with placeholders; an unknown placeholder is refused (422) at save.",
)


@blp.route("")
class TemplateCollection(MethodView):
    @lists(blp, TemplateSchema(many=True), query=PagedQuery, unknown=RAISE)
    def get(self, query, page):
        """The tenant's templates by name, paged."""
        return service.list_templates(current_uow(), *page)

    @creates(blp, TemplateInSchema, TemplateSchema)
    def post(self, body):
        """Add an email template."""
        row = service.save_template(current_uow(), body)
        return created(row, f"/v1/email-templates/{row.id}")


@blp.route("/placeholders")
class Placeholders(MethodView):
    @blp.response(200, PlaceholderSchema(many=True))
    def get(self):
        """The placeholders a template may use."""
        return [{"name": f"[{k}]", "description": v} for k, v in PLACEHOLDERS.items()]


@blp.route("/<uuid:template_id>")
class TemplateItem(MethodView):
    @reads(blp, TemplateSchema)
    def get(self, template_id):
        """Read an email template."""
        return with_etag(service.get_template(current_uow(), str(template_id)))

    @edits(blp, TemplateInSchema(partial=True), TemplateSchema)
    def patch(self, body, template_id):
        """Edit an email template. Needs `If-Match`."""
        version = optional_version()
        return with_etag(service.save_template(current_uow(), body, str(template_id), version))

    @blp.response(204)
    def delete(self, template_id):
        """Delete an email template."""
        service.delete_template(current_uow(), str(template_id))
