"""Property-based tests of the whole API from its OpenAPI document (schemathesis): for every
operation, as an operator of each role and as a holder, generated requests never get a 5xx,
and every response matches the document (status, content type, schema).

``make test`` runs a few examples per operation and key on SQLite and PostgreSQL; the longer
run is ``make test-long`` (marked slow) or ``CREDITLINE_FUZZ_EXAMPLES=200 pytest ...``."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_helpers import World, make_world

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
WHO = ("root", "ops", "risk", "alice")


def fuzz(w: World, examples: int) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", w.client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for who in WHO:
            headers = w.headers(who)

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)  # noqa: B023

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} as {who}: {str(exc)[:1500]}")
    assert operations > 50
    return failures


def test_no_5xx_and_no_response_outside_the_schema(db):
    examples = int(os.environ.get("CREDITLINE_FUZZ_EXAMPLES", "3"))
    w = make_world(db)
    assert fuzz(w, examples) == []


@pytest.mark.slow
def test_no_5xx_and_no_response_outside_the_schema_long(db):
    w = make_world(db)
    assert fuzz(w, 100) == []
