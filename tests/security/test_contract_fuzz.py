"""Contract fuzzing: Schemathesis drives every operation of the app's OpenAPI schema with a
valid admin key: no 5xx, whatever the generated input."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402


def test_no_server_error_on_any_operation(db, make_key):
    from app.main import create_app

    headers = {"Authorization": f"Bearer {make_key('admin')}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=[schemathesis.checks.not_a_server_error])

        run()
