"""The committed OpenAPI file is the app's own spec."""

from __future__ import annotations

import json

from app.openapi import SPEC_PATH, generate


def test_committed_openapi_matches_the_app():
    assert json.loads(SPEC_PATH.read_text("utf-8")) == json.loads(json.dumps(generate()))


def test_every_route_has_a_summary_from_its_docstring():
    spec = generate()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), (method, path)
