"""The tenant's own definitions: custom fields and customer types."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.verbs import adds, blueprint, located
from fieldbook_shared.web import current_uow

from ..service import tenant_settings
from .schemas import CustomerTypeSchema, CustomFieldDefinitionSchema

custom_fields = blueprint("custom_fields", "/v1/custom-fields", "Custom customer fields of the tenant.")
customer_types = blueprint(
    "customer_types", "/v1/customer-types", "Customer types and their required fields."
)


@custom_fields.route("")
class CustomFieldCollection(MethodView):
    @custom_fields.response(200, CustomFieldDefinitionSchema(many=True))
    def get(self):
        """List the tenant's custom field definitions."""
        return tenant_settings.list_custom_fields(current_uow())

    @adds(custom_fields, CustomFieldDefinitionSchema, CustomFieldDefinitionSchema)
    def post(self, body):
        """Define a custom field for customers."""
        definition = tenant_settings.define_custom_field(current_uow(), body)
        return located(definition, f"/v1/custom-fields/{definition.key}")


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

    @adds(customer_types, CustomerTypeSchema, CustomerTypeSchema)
    def post(self, body):
        """Add a customer type."""
        return located(tenant_settings.define_customer_type(current_uow(), body), "/v1/customer-types")
