"""Schemathesis hooks for `make fuzz-api` (loaded through SCHEMATHESIS_HOOKS).

openapi.yaml describes every field of a job, but OpenAPI 3.0 cannot state rules
that tie two values together. A request that keeps to the schema and breaks only
such a rule is rightly refused, so positive_data_acceptance must not count that
refusal as a failure. Each rule is named here by the message the server gives;
any other refusal of schema-valid data still fails the run.

use_after_free expects a 404 for a deleted resource, but deleting a job cancels it
and the document stays (SPEC.md), so GETs under the job still answer 200.
Set FUZZ_FILTERED to a file to have every dropped failure listed there.
"""
import json
import os
import re

import schemathesis

# Messages of the rules openapi.yaml states in prose only (see its JobDocument comment).
CROSS_FIELD = [
    # spec.workers.min <= requestedWorkers <= spec.workers.max, and a patch's max against the stored min.
    re.compile(r"must be between .*spec\.workers\.(min|max) \("),
    # failback retries on another GPU type.
    re.compile(r"must differ from spec\.accelerator"),
    # An env name given twice.
    re.compile(r"^repeats spec\.template\.env\[\d+\]\.name"),
    # A time limit of more than 365 days, in a form the pattern allows.
    re.compile(r"must be at most 8760h"),
    # Keys inside passed-through mappings (resources, volumes, valueFrom, mpiJob) that MongoDB cannot store.
    re.compile(r"keys must not (be empty|start with \$|contain the NUL character)"),
]


def _errors(response):
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return None, []
    if not isinstance(body, dict):
        return None, []
    items = body.get("errors") or [{"field": body.get("field"), "message": body.get("error", "")}]
    return body, items


def _explained(case, response):
    """True when the refusal of schema-valid data comes from a rule the schema cannot state."""
    operation = case.operation.label
    _, items = _errors(response)
    if operation == "POST /v1/jobs" and isinstance(case.body, dict) and case.body.get("apiVersion") == "kubeflow.org/v1":
        # An MPIJob's numbers are launcher env entries found by name: not expressible in OpenAPI 3.0.
        return response.status_code == 422
    if operation in ("POST /v1/jobs", "PATCH /v1/jobs/{name}") and response.status_code == 422 and items:
        return all(any(rule.search(str(item.get("message", ""))) for rule in CROSS_FIELD) for item in items)
    if operation == "GET /v1/jobs" and response.status_code == 400:
        # A continue token is the server's own: a made-up one is refused.
        return all(item.get("field") == "continue" for item in items)
    return False


def _kept(case, response):
    """A deleted job stays, canceled, with its events (SPEC.md: delete cancels; the document stays)."""
    return case.operation.label.startswith("GET /v1/jobs/{name}") and response.status_code == 200


@schemathesis.hook
def filter_failure(context, failure, case, response):
    kind = type(failure).__name__
    dropped = (kind == "RejectedPositiveData" and _explained(case, response)) or (
        kind == "UseAfterFree" and _kept(case, response))
    if dropped and os.environ.get("FUZZ_FILTERED"):
        _, items = _errors(response)
        with open(os.environ["FUZZ_FILTERED"], "a") as log:
            log.write("%s %s %d %s\n" % (kind, case.operation.label, response.status_code,
                                         "; ".join(str(item.get("message"))[:80] for item in items)))
    return not dropped
