"""Accessibility, proved in the browser: axe-core on every page each role may open, and the
UI used with the keyboard alone (focus order, a visible focus ring of 3:1, no traps)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import BASE, SHOTS, key, skip_without_browser

sync_api = skip_without_browser()
expect = sync_api.expect
axe_sync = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="axe-playwright-python no está instalado"
)

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks, headings).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE = axe_sync.Axe()  # axe.min.js shipped inside the pinned PyPI package, never a CDN

A11Y_RETA = (
    "ID_REGISTRO;NRO_DENUNCIA;DEPENDENCIA;FECHA_DENUNCIA;FECHA_HECHO;UBIGEO_HECHO;DELITO;"
    "FINALIDAD;FORMA_CAPTACION;CONDICION;APELLIDOS_NOMBRES;TIPO_DOC;NRO_DOC;SEXO;EDAD;FECHA_NAC;"
    "NACIONALIDAD;UBIGEO_NAC;UBIGEO_DOMICILIO;ESTADO\n"
    "A11Y-000001;911-2024;COMISARIA OCOBAMBA;45/13/2024;19/03/2024;030703;TRATA DE PERSONAS "
    "AGRAVADA;EXPLOTACION SEXUAL;FAMILIAR O CONOCIDO;VICTIMA;HUAMAN SOTO LUZ;SD;;F;17;"
    "02/02/2007;PERUANA;030703;030703;EN INVESTIGACION\n"
)

# What every role's pages are audited as: (name, role, path or a step that reaches the state).
Step = Callable[[Any], None]
_report: list[dict[str, Any]] = []


def _audit(page: Any, name: str) -> None:
    """Run axe-core on the page as it stands and fail on any violation, whatever its impact."""
    results = AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": TAGS},
            "resultTypes": ["violations", "incomplete"],
        },
    ).response
    violations = results["violations"]
    # "Needs review": axe cannot judge the contrast of text inside a chart (an image to it);
    # _chart_text_contrast measures those itself. Anything else left undecided fails.
    unclear = [
        (item["id"], node["target"])
        for item in results["incomplete"]
        for node in item["nodes"]
        if not (item["id"] == "color-contrast" and node["html"].startswith("<text"))
    ]
    weak = page.evaluate(_CHART_TEXT)
    _report.append(
        {
            "page": name,
            "url": page.url.replace(BASE, ""),
            "axe": results["testEngine"]["version"],
            "violations": [f"{v['id']} ({v['impact']}) x{len(v['nodes'])}" for v in violations],
            "needs_review": len(unclear),
        }
    )
    detail = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"{name}: {len(violations)} reglas incumplidas\n{detail}"
    assert not unclear, f"{name}: resultados sin decidir {unclear}"
    assert not weak, f"{name}: texto de gráfico con contraste < 4.5 o sobre una barra: {weak}"


# Each text of a chart: its fill against the chart's background (>= 4.5:1, WCAG 1.4.3), and
# it must not sit on a bar (then the bar would be its background).
_CHART_TEXT = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const bad = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    let bg = [255, 255, 255];
    for (let p = svg.parentElement; p; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c; break; }
    }
    const rects = [...svg.querySelectorAll("rect")].map((r) => r.getBoundingClientRect());
    for (const t of svg.querySelectorAll("text")) {
      const a = lum(rgb(getComputedStyle(t).fill)), b = lum(bg);
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const box = t.getBoundingClientRect();
      const over = rects.some((r) => r.width > 0 && r.height > 0 && box.left < r.right - 1
        && box.right > r.left + 1 && box.top < r.bottom - 1 && box.bottom > r.top + 1);
      if (ratio < 4.5 || over) bad.push([t.textContent, ratio.toFixed(2), over]);
    }
  }
  return bad;
}"""


def _visit(page: Any, path: str) -> None:
    page.goto(f"{BASE}{path}")
    page.wait_for_load_state("load")


def test_sign_in_page_has_no_violations(page_as: Any) -> None:
    page = page_as(None)
    _visit(page, "/ui/ingresar")
    _audit(page, "ingresar")
    page.get_by_label("Clave de acceso").fill("itk_falsa_clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _audit(page, "ingresar (clave inválida)")


def test_analyst_pages_have_no_violations(page_as: Any) -> None:
    page = page_as("analyst")
    _audit(page, "inicio · analista")
    _visit(page, "/ui/panorama")
    expect(page.locator("#tabla-tasas")).to_be_visible()
    page.locator("details").first.locator("summary").click()  # the opened state too
    _audit(page, "panorama · analista")
    _visit(page, "/ui/panorama?desde=2022&hasta=2023&base=facts&desglose=sex")
    _audit(page, "panorama filtrado · analista")
    _visit(page, "/ui/revision")
    expect(page.get_by_role("heading", name="Acceso denegado")).to_be_visible()
    _audit(page, "acceso denegado · analista")


def test_reviewer_pages_have_no_violations(page_as: Any) -> None:
    page = page_as("reviewer")
    _audit(page, "inicio · revisor")
    _visit(page, "/ui/revision")
    expect(page.locator("section.pair")).to_be_visible()
    _audit(page, "revisión · revisor")
    person = page.locator("table.compare thead a").first.get_attribute("href")
    _visit(page, "/ui/revision?hecho=match")  # the state after a decision, without making one
    expect(page.get_by_role("status")).to_contain_text("Decisión registrada")
    _audit(page, "revisión tras decidir · revisor")
    _visit(page, "/ui/personas")
    _audit(page, "persona (búsqueda) · revisor")
    _visit(page, person)
    expect(page.locator("#cronologia li").first).to_be_visible()
    _audit(page, "persona · revisor")
    _visit(page, "/ui/personas/2147483000")
    _audit(page, "persona inexistente · revisor")


def test_agency_pages_have_no_violations(page_as: Any) -> None:
    page = page_as("agency")
    _audit(page, "inicio · entidad")
    _visit(page, "/ui/cargas")
    _audit(page, "cargas · entidad")
    page.locator("#archivo").set_input_files(
        files=[{"name": "a11y.csv", "mimeType": "text/csv", "buffer": A11Y_RETA.encode()}]
    )
    page.get_by_role("button", name="Subir").click()
    expect(page.locator("#rechazos tbody tr")).to_have_count(1)
    _audit(page, "lote con rechazos · entidad")
    _visit(page, "/ui/informes")
    _audit(page, "acceso denegado · entidad")


def test_secretariat_pages_have_no_violations(page_as: Any) -> None:
    page = page_as("secretariat")
    _audit(page, "inicio · secretaría")
    _visit(page, "/ui/panorama")
    _audit(page, "panorama · secretaría")
    _visit(page, "/ui/informes")
    _audit(page, "informes · secretaría")


def test_admin_pages_have_no_violations(page_as: Any) -> None:
    page = page_as("admin")
    _audit(page, "inicio · administración")
    for path, name in (
        ("/ui/panorama", "panorama"),
        ("/ui/revision", "revisión"),
        ("/ui/personas", "persona"),
        ("/ui/cargas", "cargas"),
    ):
        _visit(page, path)
        _audit(page, f"{name} · administración")
    _visit(page, "/ui/informes")
    for note in ("a11y uno", "a11y dos"):
        page.get_by_label("Nota").fill(note)
        page.get_by_role("button", name="Congelar las cifras de hoy").click()
    page.get_by_role("button", name="Comparar").click()
    expect(page.locator("#comparacion")).to_be_visible()
    _audit(page, "informes con comparación · administración")


def test_zz_write_the_audit_report() -> None:
    # Runs last in this module: the figures the README quotes come from this file.
    assert _report, "no se auditó ninguna página"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "accesibilidad.json").write_text(
        json.dumps({"tags": TAGS, "pages": _report}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


# --- keyboard only -------------------------------------------------------------------------

_FOCUS_RING = """(e) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  let bg = [255, 255, 255];
  for (let p = e.parentElement; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c; break; }
  }
  const s = getComputedStyle(e);
  const a = lum(rgb(s.outlineColor)), b = lum(bg);
  return {
    tag: e.tagName.toLowerCase(), id: e.id,
    name: (e.getAttribute("aria-label") || (e.labels && e.labels[0] && e.labels[0].innerText)
           || e.innerText || e.value || "").trim().split("\\n")[0],
    style: s.outlineStyle, width: parseFloat(s.outlineWidth),
    ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
  };
}"""


def _focused(page: Any) -> dict[str, Any] | None:
    handle = page.evaluate_handle("document.activeElement")
    info = page.evaluate(_FOCUS_RING, handle)
    return None if info["tag"] == "body" else info


def _tab_to(page: Any, name: str | re.Pattern[str], *, limit: int = 60, back: bool = False) -> None:
    """Press Tab until the element named `name` has focus; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        info = _focused(page)
        if info is None:
            continue
        assert info["style"] != "none" and info["width"] >= 2, f"sin foco visible: {info}"
        assert info["ratio"] >= 3, f"foco con contraste {info['ratio']:.2f} < 3: {info}"
        hit = name.search(info["name"]) if isinstance(name, re.Pattern) else info["name"] == name
        if hit:
            return
    raise AssertionError(f"el tabulador no llega a {name!r} en {limit} pasos")


def _tab_order(page: Any, limit: int = 80) -> list[str]:
    """Return the names of every focus stop from the top of a freshly loaded page."""
    names: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = _focused(page)
        if info is None:
            return names  # focus left the page: no keyboard trap
        names.append(info["name"])
    raise AssertionError(f"el foco no sale de la página tras {limit} pasos: {names[-10:]}")


def test_keyboard_only_sign_in_navigation_and_sign_out(page_as: Any) -> None:
    page = page_as(None)
    _visit(page, "/ui/ingresar")
    expect(page.get_by_label("Clave de acceso")).to_be_focused()  # autofocus
    page.keyboard.type(key("admin"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bienvenida")
    order = _tab_order(page)
    assert order[:2] == ["Saltar al contenido", "Intertrata"], order
    nav = ["Panorama", "Revisión", "Persona", "Cargas", "Informes"]
    assert order[2:8] == [*nav, "Salir"], order
    assert order[8:] == nav, order  # then the tiles of the page, in reading order
    # The skip link moves focus to the content, past the navigation.
    page.reload()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main#contenido")).to_be_focused()
    _tab_to(page, "Cargas")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{BASE}/ui/cargas")
    _tab_to(page, "Salir")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{BASE}/ui/ingresar")


def test_keyboard_only_panorama_filters(page_as: Any) -> None:
    page = page_as("analyst")
    _visit(page, "/ui/panorama")
    _tab_to(page, "Desde el año")
    page.keyboard.type("2022")
    _tab_to(page, "Hasta el año")
    page.keyboard.type("2023")
    _tab_to(page, re.compile(r"^Sexo$"))
    page.keyboard.press("Space")
    _tab_to(page, "Aplicar")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"desde=2022&hasta=2023"))
    expect(page.locator("#tabla-anual tbody tr")).to_have_count(2)
    _tab_to(page, "Supuestos de la estimación")
    page.keyboard.press("Enter")
    expect(page.locator("details").first).to_have_attribute("open", "")


def test_keyboard_only_review_buttons_and_shortcut_switch(page_as: Any) -> None:
    page = page_as("reviewer")
    _visit(page, "/ui/revision")
    pair = page.locator("section.pair")
    first = pair.get_attribute("data-item")
    _tab_to(page, "Atajos de una tecla activos")
    page.keyboard.press("Space")  # single-key shortcuts off (WCAG 2.1.4)
    expect(page.get_by_label("Atajos de una tecla activos")).not_to_be_checked()
    page.keyboard.press("Tab")  # off the checkbox: a key typed there never counts anyway
    assert _focused(page)["tag"] == "button"
    page.keyboard.press("m")
    page.wait_for_timeout(300)
    assert pair.get_attribute("data-item") == first  # nothing was decided
    _tab_to(page, re.compile(r"No sé$"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Decisión registrada: No sé.")
    expect(page.locator(f'section.pair[data-item="{first}"]')).to_have_count(0)
    expect(page.locator("#par-titulo")).to_be_focused()  # focus moves to the next pair
    page.reload()
    expect(page.get_by_label("Atajos de una tecla activos")).not_to_be_checked()  # remembered
    page.get_by_label("Atajos de una tecla activos").check()


def test_keyboard_only_upload(page_as: Any) -> None:
    page = page_as("agency")
    _visit(page, "/ui/cargas")
    _tab_to(page, "Archivo exportado (CSV, XLSX o JSONL)")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(
        files=[
            {
                "name": "teclado.csv",
                "mimeType": "text/csv",
                "buffer": A11Y_RETA.replace("A11Y-", "KBD-").encode(),
            }
        ]
    )
    _tab_to(page, "Subir")
    page.keyboard.press("Enter")
    expect(page.locator("#rechazos tbody tr")).to_have_count(1)
    _tab_to(page, re.compile("Descargar filas rechazadas"))
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename.startswith("rechazados-")


def test_keyboard_only_report_download(page_as: Any) -> None:
    page = page_as("secretariat")
    _visit(page, "/ui/informes")
    _tab_to(page, "Año")
    page.keyboard.press("Control+A")
    page.keyboard.type("2023")
    _tab_to(page, "Formato")
    page.keyboard.press("End")  # the last format in the list
    fmt = page.get_by_label("Formato").input_value()
    _tab_to(page, "Descargar informe")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename.endswith(f".{fmt}")
