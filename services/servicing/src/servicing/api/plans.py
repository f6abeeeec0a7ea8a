"""Service plans: what the tenant sells (price, billing frequency, visits a year, SLA, what it
covers). Anyone reads them; admin keys write them (the gateway's role table)."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.verbs import blueprint, creator, deleter, editor, reader
from fieldbook_shared.web import current_uow

from ..service import plans as service
from .schemas import ServicePlanInSchema, ServicePlanSchema

blp = blueprint(
    "service-plans",
    "/v1/service-plans",
    "Service plans: price, billing frequency, visits a year, SLA response time, cover.",
)


@blp.route("")
class Plans(MethodView):
    @blp.response(200, ServicePlanSchema(many=True))
    def get(self):
        """Every plan, by name (a short list: not paged)."""
        return service.list_plans(current_uow())

    post = creator(
        blp,
        ServicePlanInSchema,
        ServicePlanSchema,
        service.add_plan,
        "/v1/service-plans/{id}",
        "Add a plan (names are unique: 409 when taken).",
    )


@blp.route("/<uuid:plan_id>")
class PlanItem(MethodView):
    get = reader(blp, ServicePlanSchema, service.get_plan, None)

    patch = editor(
        blp,
        ServicePlanInSchema(partial=True),
        ServicePlanSchema,
        service.change_plan,
        "Change a plan; contracts already made keep the name and SLA they were made on.",
    )
    delete = deleter(blp, service.remove_plan, "Delete a plan no contract is on (else 409).")
