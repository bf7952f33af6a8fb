"""Headless Chromium through the UI served by scripts/e2e.sh: each step asserts on the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .conftest import BASE, key, shot, skip_without_browser

sync_api = skip_without_browser()
expect = sync_api.expect

BAD_RETA = (
    "ID_REGISTRO;NRO_DENUNCIA;DEPENDENCIA;FECHA_DENUNCIA;FECHA_HECHO;UBIGEO_HECHO;DELITO;"
    "FINALIDAD;FORMA_CAPTACION;CONDICION;APELLIDOS_NOMBRES;TIPO_DOC;NRO_DOC;SEXO;EDAD;FECHA_NAC;"
    "NACIONALIDAD;UBIGEO_NAC;UBIGEO_DOMICILIO;ESTADO\n"
    "E2E-000001;901-2024;COMISARIA OCOBAMBA;19/03/2024;19/03/2024;030703;TRATA DE PERSONAS "
    "AGRAVADA;EXPLOTACION SEXUAL;FAMILIAR O CONOCIDO;VICTIMA;QUISPE ROJAS ANA;SD;;F;16;"
    "24/01/2008;PERUANA;030703;030703;EN INVESTIGACION\n"
    "E2E-000002;902-2024;COMISARIA OCOBAMBA;45/13/2024;19/03/2024;030703;TRATA DE PERSONAS "
    "AGRAVADA;EXPLOTACION SEXUAL;FAMILIAR O CONOCIDO;VICTIMA;MAMANI CCORI ROSA;SD;;F;17;"
    "02/02/2007;PERUANA;030703;030703;EN INVESTIGACION\n"
)


def test_sign_in(page_as: Any) -> None:
    page = page_as(None)
    page.goto(f"{BASE}/ui/panorama")
    expect(page).to_have_url(re.compile(r"/ui/ingresar\?siguiente="))
    expect(page.get_by_role("heading", name="Ingresar")).to_be_visible()
    shot(page, "ingresar")
    page.get_by_label("Clave de acceso").fill("itk_falsa_clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("alert")).to_contain_text("Clave inválida")
    page.get_by_label("Clave de acceso").fill(key("analyst"))
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(f"{BASE}/ui/panorama")
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["intertrata_sesion"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert "itk_" not in session["value"]
    page.goto(f"{BASE}/ui/")
    nav = page.get_by_role("navigation", name="Secciones")
    expect(nav.get_by_role("link")).to_have_text(["Panorama"])
    shot(page, "inicio")


def test_panorama(page_as: Any) -> None:
    page = page_as("analyst")
    page.goto(f"{BASE}/ui/panorama")
    expect(page.get_by_role("heading", name="Víctimas por año")).to_be_visible()
    table = page.locator("#tabla-anual")
    expect(table.locator("tbody tr")).not_to_have_count(0)
    expect(table).to_contain_text("2024")
    expect(page.locator("p.big")).to_contain_text("víctimas")
    expect(page.locator("p.big")).to_contain_text("intervalo de confianza")
    expect(page.locator("#reserva")).to_contain_text("cifra reservada")
    for title in ("Sexo", "Grupo de edad", "Nacionalidad", "Finalidad de explotación"):
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.locator("#tabla-tasas tbody tr")).not_to_have_count(0)
    expect(page.locator("svg.chart title").first).not_to_be_empty()
    shot(page, "panorama")
    page.get_by_label("Desde el año").fill("2022")
    page.get_by_label("Hasta el año").fill("2023")
    page.get_by_role("button", name="Aplicar").click()
    expect(page).to_have_url(re.compile(r"desde=2022"))
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).not_to_contain_text("2024")
    page.goto(f"{BASE}/ui/revision")
    expect(page.get_by_role("heading", name="Acceso denegado")).to_be_visible()


def test_review_three_pairs_with_the_keyboard(page_as: Any) -> None:
    page = page_as("reviewer")
    page.goto(f"{BASE}/ui/revision")
    pair = page.locator("section.pair")
    expect(pair).to_be_visible()
    expect(page.locator("table.compare tr.agree").first).to_be_visible()
    expect(page.locator("table.evidence")).to_contain_text("Apellido paterno")
    shot(page, "revision")
    seen = []
    for shortcut, said in (("m", "Misma persona"), ("d", "Personas distintas"), ("n", "No sé")):
        item = pair.get_attribute("data-item")
        seen.append(item)
        page.keyboard.press(shortcut)
        expect(page.get_by_role("status")).to_have_text(f"Decisión registrada: {said}.")
        expect(page.locator(f'section.pair[data-item="{item}"]')).to_have_count(0)
    assert len(set(seen)) == 3
    page.reload()
    expect(pair).to_be_visible()
    assert pair.get_attribute("data-item") not in seen
    link = page.locator("table.compare thead a").first
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Persona")
    expect(page.locator("#cronologia li").first).to_be_visible()
    expect(page.get_by_text("queda registrada en la auditoría")).to_be_visible()
    shot(page, "persona")


def test_upload_a_file_with_a_bad_row(page_as: Any) -> None:
    page = page_as("agency")
    page.goto(f"{BASE}/ui/cargas")
    expect(page.get_by_label("Sistema", exact=True)).to_have_value("RETA")
    shot(page, "cargas")
    page.locator("#archivo").set_input_files(
        files=[{"name": "reta.csv", "mimeType": "text/csv", "buffer": BAD_RETA.encode()}]
    )
    page.get_by_role("button", name="Subir").click()
    expect(page).to_have_url(re.compile(r"/ui/cargas/[0-9a-f-]+$"))
    expect(page.locator("#resumen")).to_contain_text("Rechazadas")
    rows = page.locator("#rechazos tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E2E-000002")
    expect(rows.first).to_contain_text("FECHA_DENUNCIA")
    expect(rows.first).to_contain_text("fecha inválida")
    shot(page, "lote")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Descargar filas rechazadas")).click()
    download = info.value
    assert download.suggested_filename.startswith("rechazados-")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "MOTIVOS" in text and "E2E-000002" in text and "E2E-000001" not in text


def test_download_the_annual_report(page_as: Any) -> None:
    page = page_as("secretariat")
    page.goto(f"{BASE}/ui/informes")
    before = page.locator("#instantaneas tbody tr").count()  # other tests may freeze some too
    page.get_by_label("Nota").fill("cifras para el informe 2023")
    page.get_by_role("button", name="Congelar las cifras de hoy").click()
    page.get_by_label("Nota").fill("segunda instantánea")
    page.get_by_role("button", name="Congelar las cifras de hoy").click()
    expect(page.locator("#instantaneas tbody tr")).to_have_count(before + 2)
    page.get_by_role("button", name="Comparar").click()
    expect(page.locator("#comparacion")).to_contain_text("2023")
    page.get_by_label("Año").fill("2023")
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!")):
        page.get_by_label("Formato").select_option(fmt)
        with page.expect_download() as info:
            page.get_by_role("button", name="Descargar informe").click()
        download = info.value
        assert download.suggested_filename.endswith(f".{fmt}")
        assert Path(download.path()).read_bytes()[:4].lstrip().startswith(magic)
    expect(page.get_by_role("heading", name="Informe anual")).to_be_visible()
    shot(page, "informes")
