"""Application wiring: health, error shape."""

from __future__ import annotations


def test_health_is_open(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
