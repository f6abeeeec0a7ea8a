"""The tenant's own definitions: custom fields and customer types."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from fieldbook_shared.apidoc import sends_location
from fieldbook_shared.web import current_uow

from ..service import tenant_settings
from .schemas import CustomerTypeSchema, CustomFieldDefinitionSchema

custom_fields = Blueprint(
    "custom_fields",
    __name__,
    url_prefix="/v1/custom-fields",
    description="Custom customer fields of the tenant.",
)
customer_types = Blueprint(
    "customer_types",
    __name__,
    url_prefix="/v1/customer-types",
    description="Customer types and their required fields.",
)


@custom_fields.route("")
class CustomFieldCollection(MethodView):
    @custom_fields.response(200, CustomFieldDefinitionSchema(many=True))
    def get(self):
        """List the tenant's custom field definitions."""
        return tenant_settings.list_custom_fields(current_uow())

    @sends_location
    @custom_fields.arguments(CustomFieldDefinitionSchema)
    @custom_fields.response(201, CustomFieldDefinitionSchema)
    def post(self, body):
        """Define a custom field for customers."""
        definition = tenant_settings.define_custom_field(current_uow(), body)
        return definition, 201, {"Location": f"/v1/custom-fields/{definition.key}"}


@custom_fields.route("/<string:key>")
class CustomFieldItem(MethodView):
    @custom_fields.response(204)
    def delete(self, key):
        """Remove a custom field definition."""
        tenant_settings.remove_custom_field(current_uow(), key)


@customer_types.route("")
class CustomerTypeCollection(MethodView):
    @customer_types.response(200, CustomerTypeSchema(many=True))
    def get(self):
        """List the tenant's customer types (business types)."""
        return tenant_settings.list_customer_types(current_uow())

    @sends_location
    @customer_types.arguments(CustomerTypeSchema)
    @customer_types.response(201, CustomerTypeSchema)
    def post(self, body):
        """Add a customer type."""
        return (
            tenant_settings.define_customer_type(current_uow(), body),
            201,
            {"Location": "/v1/customer-types"},
        )
