"""Every endpoint but /health needs a key; keys can be revoked and expire."""

from __future__ import annotations

from datetime import timedelta

from app.models._types import utcnow


def _routes(client):
    for path, ops in client.app.openapi()["paths"].items():
        for method in ops:
            yield method.upper(), path


def test_every_endpoint_but_health_requires_a_key(client):
    seen = 0
    for method, path in _routes(client):
        url = (
            path.replace("{system}", "RETA")
            .replace("{batch_id}", "x")
            .replace("{row_id}", "x")
            .replace("{key_id}", "x")
        )
        r = client.request(method, url)
        if path == "/health":
            assert r.status_code == 200
        else:
            assert r.status_code == 401, (method, path, r.status_code)
            seen += 1
    assert seen >= 8


def test_wrong_or_malformed_key_is_401(client, make_key):
    make_key("admin")
    for token in ("nope", "itk_abc_def", "itk__", ""):
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_revoked_and_expired_keys_stop_working(client, make_key, as_role):
    admin = as_role("admin")
    token = make_key("analyst")
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/me", headers=h).json()["role"] == "analyst"
    key_id = token.split("_")[1]
    assert client.post(f"/v1/keys/{key_id}/revoke", headers=admin).status_code == 200
    assert client.get("/v1/me", headers=h).status_code == 401
    expired = make_key("analyst", expires_at=utcnow() - timedelta(seconds=1))
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_only_admin_manages_keys(client, as_role):
    for role in ("analyst", "reviewer", "secretariat"):
        assert client.get("/v1/keys", headers=as_role(role)).status_code == 403
    assert client.get("/v1/keys", headers=as_role("agency", "RETA")).status_code == 403
    admin = as_role("admin")
    r = client.post("/v1/keys", headers=admin, json={"role": "agency", "system": "SISTRA"})
    assert r.status_code == 201
    token = r.json()["token"]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["system"]) == ("agency", "SISTRA")
    listed = client.get("/v1/keys", headers=admin).json()
    assert all("token" not in k and "secret_hash" not in k for k in listed)
    bad = client.post("/v1/keys", headers=admin, json={"role": "agency"})
    assert bad.status_code == 422


def test_repeated_bad_keys_are_slowed_down_but_good_keys_still_work(client, make_key, monkeypatch):
    from app.auth.ratelimit import limiter
    from app.config import get_settings

    monkeypatch.setenv("INTERTRATA_AUTH_FAILURES_PER_MINUTE", "5")
    get_settings.cache_clear()
    limiter.reset()
    try:
        good = {"Authorization": f"Bearer {make_key('analyst')}"}
        bad = {"Authorization": "Bearer itk_nope_nope"}
        codes = [client.get("/v1/me", headers=bad).status_code for _ in range(7)]
        assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
        assert client.get("/v1/me", headers=good).status_code == 200
    finally:
        limiter.reset()
        get_settings.cache_clear()
