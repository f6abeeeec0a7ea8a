"""Email templates per tenant, with placeholders checked at save."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from fieldbook_shared.etag import optional_version, with_etag
from fieldbook_shared.verbs import creator, edits, lister, reader
from fieldbook_shared.web import current_uow

from ..domain.templates import PLACEHOLDERS
from ..service import templates as service
from .schemas import PlaceholderSchema, TemplateInSchema, TemplateSchema

blp = Blueprint(
    "email_templates",
    __name__,
    url_prefix="/v1/email-templates",
    description="Email templates with placeholders; an unknown placeholder is refused (422) at save.",
)


@blp.route("")
class TemplateCollection(MethodView):
    get = lister(
        blp, TemplateSchema(many=True), service.list_templates, "The tenant's templates by name, paged."
    )

    post = creator(
        blp,
        TemplateInSchema,
        TemplateSchema,
        service.save_template,
        "/v1/email-templates/{id}",
        "Add an email template.",
    )


@blp.route("/placeholders")
class Placeholders(MethodView):
    @blp.response(200, PlaceholderSchema(many=True))
    def get(self):
        """The placeholders a template may use."""
        return [{"name": f"[{k}]", "description": v} for k, v in PLACEHOLDERS.items()]


@blp.route("/<uuid:template_id>")
class TemplateItem(MethodView):
    get = reader(blp, TemplateSchema, service.get_template, "Read an email template.")

    @edits(blp, TemplateInSchema(partial=True), TemplateSchema)
    def patch(self, body, template_id):
        """Edit an email template. Needs `If-Match`."""
        version = optional_version()
        return with_etag(service.save_template(current_uow(), body, str(template_id), version))

    @blp.response(204)
    def delete(self, template_id):
        """Delete an email template."""
        service.delete_template(current_uow(), str(template_id))
