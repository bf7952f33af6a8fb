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


def test_as_of_parameter_and_cli_option(api, as_role, linked_world):
    h = as_role("reviewer")
    now = api.get("/v1/statistics/victims", headers=h).json()
    then = api.get("/v1/statistics/victims", params={"as_of": "2100-01-01"}, headers=h)
    assert then.status_code == 200 and then.json()["as_of"] == "2100-01-01"
    assert [y["reta_rows"] for y in then.json()["years"]] == [y["reta_rows"] for y in now["years"]]
    before = api.get("/v1/statistics/victims", params={"as_of": "2001-01-01"}, headers=h)
    assert before.json()["years"] == []
    assert api.get("/v1/statistics/victims", params={"as_of": "ayer"}, headers=h).status_code == 422
    result = CliRunner().invoke(stats_app, ["victims", "--as-of", "2001-01-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == "2001-01-01"


def test_snapshots_freeze_list_read_and_compare(api, as_role, linked_world):
    body = {"query": {"group_by": ["department_facts", "sex"]}, "note": "informe anual"}
    assert (
        api.post("/v1/statistics/snapshots", json=body, headers=as_role("analyst")).status_code
        == 403
    )
    created = api.post("/v1/statistics/snapshots", json=body, headers=as_role("secretariat"))
    assert created.status_code == 201, created.text
    a = created.json()
    assert a["link_run_id"] is not None and a["note"] == "informe anual"
    b = api.post(
        "/v1/statistics/snapshots", json={"as_of": "2001-01-01"}, headers=as_role("admin")
    ).json()
    listed = api.get("/v1/statistics/snapshots", headers=as_role("analyst")).json()
    assert [s["id"] for s in listed] == [b["id"], a["id"]]
    full = api.get(f"/v1/statistics/snapshots/{a['id']}", headers=as_role("reviewer")).json()
    hidden = api.get(f"/v1/statistics/snapshots/{a['id']}", headers=as_role("analyst")).json()
    assert full["result"]["suppressed"] is False and hidden["result"]["suppressed"] is True
    assert all(c["persons"] is not None for c in full["result"]["cells"])
    assert any(c["persons"] is None for c in hidden["result"]["cells"])
    assert api.get("/v1/statistics/snapshots/999999", headers=as_role("analyst")).status_code == 404
    same = api.get(
        f"/v1/statistics/snapshots/{a['id']}/compare/{a['id']}", headers=as_role("reviewer")
    ).json()
    assert same["years"] and all(
        v == 0 for y in same["years"] for v in y["diff"].values() if v is not None
    )
    vs_empty = api.get(
        f"/v1/statistics/snapshots/{a['id']}/compare/{b['id']}", headers=as_role("reviewer")
    ).json()
    assert all(y["b"]["reconciled"] is None for y in vs_empty["years"])


def test_fast_counts_route(api, as_role, linked_world):
    params = {"group_by": ["sex"], "year_from": 2017}
    r = api.get("/v1/statistics/counts", params=params, headers=as_role("reviewer")).json()
    a = api.get("/v1/statistics/counts", params=params, headers=as_role("analyst")).json()
    assert {c["year"] for c in r} == {2017, 2018} and all(set(c["key"]) == {"sex"} for c in r)
    assert all(c["persons"] is None or c["persons"] >= 5 for c in a)
    bad = api.get(
        "/v1/statistics/counts", params={"group_by": ["colour"]}, headers=as_role("analyst")
    )
    assert bad.status_code == 422
