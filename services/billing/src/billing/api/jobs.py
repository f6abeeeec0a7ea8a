"""Jobs: status, schedule, engineer, priority, category, work address, asset."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import sends_etag
from fieldbook_shared.etag import with_etag
from fieldbook_shared.verbs import blueprint, creator, lists, reader
from fieldbook_shared.web import current_uow

from ..service.jobs import create_job, get_job, update_job
from ..service.lists import list_for_customer
from .common import export_route
from .schemas import JobInSchema, JobListQuerySchema, JobPatchSchema, JobSchema

customer_jobs = blueprint(
    "customer_jobs", "/v1/customers/<uuid:customer_id>/jobs", "A customer's jobs, latest first."
)
jobs = blueprint("jobs", "/v1/jobs", "Jobs.")


export_route(customer_jobs, "jobs", "CustomerJobsExport")


@customer_jobs.route("")
class CustomerJobs(MethodView):
    @lists(customer_jobs, JobSchema(many=True), query=JobListQuerySchema, unknown=RAISE)
    def get(self, query, customer_id, page):
        """List the customer's jobs."""
        return list_for_customer(current_uow(), "jobs", customer_id, *page, query=query)

    post = creator(
        customer_jobs,
        JobInSchema,
        JobSchema,
        create_job,
        "/v1/jobs/{id}",
        "A job without a quote (refused while the account is blocked).",
    )


@jobs.route("/<uuid:job_id>")
class JobItem(MethodView):
    get = reader(jobs, JobSchema, get_job, "Read a job.")

    @sends_etag
    @jobs.arguments(JobPatchSchema)
    @jobs.response(200, JobSchema)
    def patch(self, body, job_id):
        """Reschedule, assign, or move the status (open, completed, aborted, free_of_charge)."""
        return with_etag(update_job(current_uow(), str(job_id), body))
