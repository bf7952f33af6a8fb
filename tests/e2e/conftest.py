"""Shared by the browser tests: headless Chromium, pages signed in per role, screenshots."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("INTERTRATA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
BASE = os.environ.get("INTERTRATA_E2E_URL", "")
SHOTS = Path(os.environ.get("INTERTRATA_E2E_SCREENSHOTS", "docs/screenshots"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def skip_without_browser() -> Any:
    """Skip the calling module when Playwright, Chromium or the e2e server is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright no está instalado")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium no está instalado", allow_module_level=True)
    if not BASE:
        pytest.skip("sin servidor: ejecute bash scripts/e2e.sh", allow_module_level=True)
    return sync_api


def key(role: str) -> str:
    """Return the key scripts/e2e.sh created for a role."""
    value = os.environ.get(f"INTERTRATA_E2E_KEY_{role.upper()}", "")
    if not value:
        pytest.skip(f"falta la clave de {role}: ejecute bash scripts/e2e.sh")
    return value


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot for docs/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_as(chromium: Any) -> Iterator[Callable[[str | None], Any]]:
    """Return a factory of pages signed in with a role's key through the form."""
    from playwright.sync_api import expect

    contexts: list[Any] = []

    def _open(role: str | None) -> Any:
        context = chromium.new_context(
            viewport={"width": 1366, "height": 860}, locale="es-PE", accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role is not None:
            page.goto(f"{BASE}/ui/ingresar")
            page.get_by_label("Clave de acceso").fill(key(role))
            page.get_by_role("button", name="Ingresar").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Bienvenida")
        return page

    yield _open
    for c in contexts:
        c.close()
