"""GET /v1/statistics/victims: roles, suppression by role, rules, and the CLI's JSON."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.statistics.cli import stats_app
from app.statistics.router import router


@pytest.fixture
def api(db):
    from app.main import create_app

    app = create_app()
    if not any(getattr(r, "path", "").startswith("/v1/statistics") for r in app.routes):
        app.include_router(router)
    with TestClient(app) as c:
        yield c


def test_roles_and_suppression(api, as_role, linked_world):
    assert api.get("/v1/statistics/victims").status_code == 401
    assert api.get("/v1/statistics/victims", headers=as_role("agency", "RETA")).status_code == 403
    params = {"group_by": ["department_facts", "sex"]}
    analyst = api.get("/v1/statistics/victims", params=params, headers=as_role("analyst"))
    reviewer = api.get("/v1/statistics/victims", params=params, headers=as_role("reviewer"))
    assert analyst.status_code == reviewer.status_code == 200
    a, r = analyst.json(), reviewer.json()
    assert a["suppressed"] is True and r["suppressed"] is False
    assert a["rules"] and {"unit", "year", "unidentified"} <= {x["key"] for x in a["rules"]}
    assert any("dependencia" in x.lower() for x in a["assumptions"])
    assert all(c["persons"] is None or c["persons"] >= 5 for c in a["cells"])
    assert all(c["persons"] is not None for c in r["cells"])
    assert any(c["persons"] is None for c in a["cells"])


def test_filters_and_bad_dimensions(api, as_role, linked_world):
    h = as_role("secretariat")
    ok = api.get(
        "/v1/statistics/victims",
        params={"where": ["sex:F"], "offence_family": "trafficking", "year_from": 2017},
        headers=h,
    )
    assert ok.status_code == 200
    assert [y["year"] for y in ok.json()["years"]] == [2017, 2018]
    bad = api.get("/v1/statistics/victims", params={"group_by": ["colour"]}, headers=h)
    assert bad.status_code == 422
    assert (
        api.get("/v1/statistics/victims", params={"where": ["sex"]}, headers=h).status_code == 422
    )


def test_cli_prints_one_json_object_for_a_year(linked_world):
    result = CliRunner().invoke(stats_app, ["victims", "--year", "2017", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("reconciled", "reta_only", "sistra_only", "both", "unidentified"):
        assert isinstance(data[key], int)
    truth = linked_world.summary["per_year"]["2017"]
    assert data["reta_rows"] == truth["reta_victim_rows"]
    assert data["sistra_rows"] == truth["sistra_victim_rows"]
    assert data["estimate"]["ci_low"] <= data["estimate"]["total"] <= data["estimate"]["ci_high"]
    table = CliRunner().invoke(stats_app, ["victims"])
    assert table.exit_code == 0 and "Víctimas conciliadas" in table.stdout
