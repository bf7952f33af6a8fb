"""Application wiring: health, error shape."""

from __future__ import annotations


def test_health_is_open(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_unexpected_errors_answer_500_in_spanish_and_log_no_row_values(caplog):
    import logging

    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("QUISPE MAMANI 04512377")

    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500 and "Error interno" in r.json()["detail"]
    assert "04512377" not in caplog.text and "RuntimeError" in caplog.text


def test_server_tracebacks_are_reduced_to_the_exception_type(caplog):
    import logging

    from app.main import create_app

    create_app()
    caplog.set_level(logging.DEBUG)
    try:
        raise ValueError("DNI 04512377 de QUISPE")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    assert "04512377" not in caplog.text and "ValueError" in caplog.text


def test_values_the_database_refuses_get_422_not_500(client, as_role):
    r = client.post(
        "/v1/judgements",
        headers=as_role("reviewer"),
        json={"key_a": "RETA:a\u0000", "key_b": "RETA:b", "decision": "match"},
    )
    assert r.status_code in (404, 422)  # SQLite finds no such row; PostgreSQL refuses the NUL
    r = client.get("/v1/audit", params={"who": "key:\x00"}, headers=as_role("admin"))
    assert r.status_code in (200, 422)
