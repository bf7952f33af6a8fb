"""A browser session against the e2e server, which runs several uvicorn workers."""

from __future__ import annotations

import http.client
import os
from typing import Any
from urllib.parse import urlsplit

from .conftest import BASE, skip_without_browser

skip_without_browser()


def _get(path: str, cookie: str) -> int:
    # A new connection each time: the kernel hands it to any worker's accept.
    url = urlsplit(BASE)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": f"intertrata_sesion={cookie}"})
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_session_holds_on_every_worker(page_as: Any) -> None:
    workers = int(os.environ.get("INTERTRATA_E2E_WORKERS", "1"))
    page = page_as("analyst")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}["intertrata_sesion"]
    statuses = [_get("/ui/panorama", cookie) for _ in range(12 * workers)]
    assert statuses == [200] * len(statuses), statuses
    assert _get("/ui/panorama", cookie[:-2] + "xx") == 303
