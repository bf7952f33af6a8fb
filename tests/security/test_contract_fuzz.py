"""Contract fuzzing: Schemathesis drives every operation of the app's OpenAPI schema with a
valid key of every role (and an agency key of each system): no 5xx, no status the operation
does not document, and no response body or content type that breaks the documented schema,
whatever the input."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
# (role, system, examples per operation): admin reaches every body; the others mostly meet
# their 403, which must be documented and well-formed too.
ROLES = [
    ("admin", None, 8),
    ("agency", "RETA", 3),
    ("agency", "SISTRA", 2),
    ("analyst", None, 3),
    ("reviewer", None, 3),
    ("secretariat", None, 3),
]


def _seed() -> None:
    """Store and link a small world so that lists, statistics and reports answer with bodies."""
    from app.db import session_scope
    from app.demo.generator import WorldConfig, generate_world
    from app.ingest.service import ingest_rows
    from app.linkage.service import run_linkage
    from app.schema import System

    world = generate_world(WorldConfig(seed=7, scale=0.02, year_from=2017, year_to=2019))
    with session_scope() as s:
        for system, rows in ((System.RETA, world.reta_rows), (System.SISTRA, world.sistra_rows)):
            ingest_rows(s, system=system, rows=enumerate(rows, 2), pushed_by="t", channel="cli")
        run_linkage(s, full=True)


def _failure(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " | ".join(lines[:8])


@pytest.mark.parametrize(
    ("role", "system", "examples"), ROLES, ids=[f"{r[0]}-{r[1]}" if r[1] else r[0] for r in ROLES]
)
def test_every_operation_keeps_its_contract(db, make_key, role, system, examples):
    from app.main import create_app

    _seed()
    headers = {"Authorization": f"Bearer {make_key(role, system)}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except BaseException as exc:  # Schemathesis raises groups: collect every operation's
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {_failure(exc)}")
    assert not failures, "\n".join(failures)
