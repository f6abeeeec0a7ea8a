"""schemathesis against the gateway's aggregated OpenAPI: every operation, no 5xx, responses as documented.

The running system of the session (harness) is fuzzed through the gateway with an admin key of a
tenant of its own, seeded with one record of each kind so that operations on `{id}` paths reach
the services' logic instead of stopping at a 404. The run is bounded and deterministic: a fixed
number of examples per operation, a fixed seed, no example database.

Checks: `not_a_server_error`, `response_schema_conformance` and `status_code_conformance` (every
status answered is one the operation documents; the document has no catch-all `default`). A failure names the operation and
the curl command that reproduces it; fix it in the service that answered (with a regression test
there), or fix that service's spec when the response was right and the document wrong.

Leave it out with `-m "not fuzz"`; `FUZZ_MAX_EXAMPLES` (default 4) and `FUZZ_SEED` change the run.
"""

from __future__ import annotations

import os

import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.errors import FailureGroup

from conftest import new_tenant
from harness.api import expect
from harness.records import one_of_each

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))
SEED = int(os.environ.get("FUZZ_SEED", "20261123"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def fuzz_target(system):
    tenant = new_tenant(system, "fuzz")
    ids = one_of_each(tenant.admin)
    return tenant, ids


@pytest.fixture(scope="module")
def gateway_schema(system, fuzz_target):
    tenant, _ = fuzz_target
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": system.gateway_url,
            "request-timeout": 30,
            "generation": {"deterministic": True, "database": "none", "with-security-parameters": False},
        }
    )
    return schemathesis.openapi.from_url(
        f"{system.gateway_url}/openapi.json",
        config=config,
        headers={"Authorization": f"Bearer {tenant.admin_key}"},
        timeout=30,
    )


def test_gateway_document_covers_every_service(system, fuzz_target):
    """The merged document is complete (no service left out) before it is fuzzed."""
    tenant, _ = fuzz_target
    doc = expect(tenant.admin.get("/openapi.json"), 200).json()
    assert "x-fieldbook-unavailable" not in doc, doc.get("x-fieldbook-unavailable")
    operations = sum(
        1 for item in doc["paths"].values() for m in item if m in ("get", "post", "patch", "put", "delete")
    )
    assert operations >= 100, operations


def path_values(operation, ids: dict[str, str]) -> dict[str, str]:
    """The seeded record for each `{name}` of the operation's path."""
    values = {}
    for param in operation.path_parameters:
        name = param.name
        if name == "entry_id":
            kind = operation.path.split("/")[3]
            values[name] = ids[f"entry:{kind}"]
        elif name in ids:
            values[name] = ids[name]
    return values


def fuzz_operation(
    operation, mode: GenerationMode, session: requests.Session, ids: dict[str, str]
) -> tuple[str | None, int]:
    """Up to MAX_EXAMPLES cases: (the first failure's report with its curl line, or None; requests sent)."""
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=path_values(operation, ids) or None
    )
    found: list[str] = []
    sent = [0]

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.seed(SEED)  # the same cases every run
    @hypothesis.given(case=strategy)
    def run(case):
        if found:
            return
        sent[0] += 1
        try:
            case.call_and_validate(session=session, checks=CHECKS, timeout=30)
        except (FailureGroup, AssertionError) as exc:  # the check, the response, curl to reproduce
            found.append(str(exc))
        except requests.RequestException as exc:
            found.append(f"{type(exc).__name__}: {exc}\n{case.as_curl_command()}")

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing in this operation can be made invalid (e.g. no parameters, no body)
    return (found[0] if found else None), sent[0]


def test_no_server_errors_and_responses_match_the_document(gateway_schema, fuzz_target):
    tenant, ids = fuzz_target
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {tenant.admin_key}"
    failures: dict[str, str] = {}
    tested = requests_sent = 0
    for result in gateway_schema.get_all_operations():
        operation = result.ok()  # an operation the document does not describe properly fails here
        tested += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            report, sent = fuzz_operation(operation, mode, session, ids)
            requests_sent += sent
            if report is not None:
                failures[f"{operation.label} ({mode.value})"] = report
    assert tested >= 100, f"only {tested} operations in the document"
    assert requests_sent >= tested, f"only {requests_sent} requests for {tested} operations"
    print(f"schemathesis: {tested} operations, {requests_sent} requests, {len(failures)} failing")
    assert not failures, f"{len(failures)} of {tested} operations failed:\n\n" + "\n\n".join(
        f"=== {label}\n{report}" for label, report in sorted(failures.items())
    )
