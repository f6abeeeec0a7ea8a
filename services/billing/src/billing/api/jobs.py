"""Jobs: status, schedule, engineer, priority, category, work address, asset."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.etag import with_etag
from fieldbook_shared.verbs import acts, blueprint, creator, reader
from fieldbook_shared.web import current_uow

from ..service.jobs import create_job, get_job, update_job
from .common import customer_documents, documents_lister
from .schemas import JobInSchema, JobListQuerySchema, JobPatchSchema, JobSchema

customer_jobs = customer_documents("jobs")
jobs = blueprint("jobs", "/v1/jobs", "Jobs.")


@customer_jobs.route("")
class CustomerJobs(MethodView):
    get = documents_lister(customer_jobs, "jobs", JobSchema(many=True), JobListQuerySchema)

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

    @acts(jobs, JobPatchSchema, JobSchema)
    def patch(self, body, job_id):
        """Reschedule, assign, or move the status (open, completed, aborted, free_of_charge)."""
        return with_etag(update_job(current_uow(), str(job_id), body))
