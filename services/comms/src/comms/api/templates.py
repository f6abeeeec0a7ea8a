"""Email templates per tenant, with placeholders checked at save."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.etag import optional_version
from fieldbook_shared.verbs import blueprint, creator, deleter, editor, lister, reader

from ..domain.templates import PLACEHOLDERS
from ..service.templates import TEMPLATES
from .schemas import PlaceholderSchema, TemplateInSchema, TemplateSchema

blp = blueprint(
    "email_templates",
    "/v1/email-templates",
    "Email templates with placeholders; an unknown placeholder is refused (422) at save.",
)


@blp.route("")
class TemplateCollection(MethodView):
    get = lister(blp, TemplateSchema(many=True), TEMPLATES.page, "The tenant's templates by name, paged.")

    post = creator(
        blp,
        TemplateInSchema,
        TemplateSchema,
        TEMPLATES.add,
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
    get = reader(blp, TemplateSchema, TEMPLATES.get, "Read an email template.")

    patch = editor(
        blp,
        TemplateInSchema(partial=True),
        TemplateSchema,
        TEMPLATES.update,
        "Edit an email template. Needs `If-Match`.",
        version=optional_version,
    )
    delete = deleter(blp, TEMPLATES.delete, "Delete an email template.", version=None)
