"""The browser UI over TestClient: sign-in, cookies, CSRF, role rules per page, content."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.models import AuditEvent, Judgement, PersonMember, SourceRecordVersion
from app.privacy import open_record

PAGES = ["/ui/panorama", "/ui/revision", "/ui/personas", "/ui/cargas", "/ui/informes"]
ROLES = [
    ("agency", "RETA"),
    ("analyst", None),
    ("reviewer", None),
    ("secretariat", None),
    ("admin", None),
]
# The role sets of the API routes each page calls (see app/web/_pages.py PAGES).
ALLOWED = {
    "/ui/panorama": {"analyst", "secretariat", "admin"},
    "/ui/revision": {"reviewer", "admin"},
    "/ui/personas": {"reviewer", "admin"},
    "/ui/cargas": {"agency", "admin"},
    "/ui/informes": {"secretariat", "admin"},
}

BAD_RETA = (
    "ID_REGISTRO;NRO_DENUNCIA;DEPENDENCIA;FECHA_DENUNCIA;FECHA_HECHO;UBIGEO_HECHO;DELITO;"
    "FINALIDAD;FORMA_CAPTACION;CONDICION;APELLIDOS_NOMBRES;TIPO_DOC;NRO_DOC;SEXO;EDAD;FECHA_NAC;"
    "NACIONALIDAD;UBIGEO_NAC;UBIGEO_DOMICILIO;ESTADO\n"
    "R2015-900001;1-2015;COMISARIA OCOBAMBA;19/03/2015;19/03/2015;030703;TRATA DE PERSONAS "
    "AGRAVADA;EXPLOTACION SEXUAL;FAMILIAR O CONOCIDO;VICTIMA;QUISPE ROJAS ANA;SD;;F;16;"
    "24/01/1999;PERUANA;030703;030703;EN INVESTIGACION\n"
    "R2015-900002;2-2015;COMISARIA OCOBAMBA;45/13/2015;19/03/2015;030703;TRATA DE PERSONAS "
    "AGRAVADA;EXPLOTACION SEXUAL;FAMILIAR O CONOCIDO;VICTIMA;MAMANI CCORI ROSA;SD;;F;17;"
    "02/02/1998;PERUANA;030703;030703;EN INVESTIGACION\n"
)


def test_root_redirects_to_the_ui(browser):
    r = browser().get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/ui/"


@pytest.mark.parametrize("path", ["/ui/", *PAGES])
def test_pages_redirect_to_sign_in_without_a_session(browser, path):
    r = browser().get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/ui/ingresar?siguiente=")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("role", "system"), ROLES)
def test_each_role_opens_only_its_pages(browser, role, system, path):
    r = browser(role, system).get(path)
    if role in ALLOWED[path]:
        assert r.status_code == 200, r.text
        assert '<html lang="es">' in r.text
    else:
        assert r.status_code == 403
        assert "Acceso denegado" in r.text and "no puede abrir la página" in r.text


@pytest.mark.parametrize(("role", "system"), ROLES)
def test_navigation_lists_only_the_pages_of_the_role(browser, role, system):
    html = browser(role, system).get("/ui/").text
    nav = html.split('aria-label="Secciones"')[1].split("</nav>")[0]
    for path, roles in ALLOWED.items():
        assert (f'href="{path}"' in nav) == (role in roles), (role, path)


def test_sign_in_sets_a_strict_httponly_cookie(browser, make_key, sign_in):
    client = browser()
    r = sign_in(client, make_key("analyst"), "/ui/panorama")
    assert r.status_code == 303 and r.headers["location"] == "/ui/panorama"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("intertrata_sesion="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http in tests
    assert "itk_" not in cookie  # the key itself never goes to the browser
    assert client.get("/ui/panorama").status_code == 200


def test_cookie_is_secure_over_https(browser, make_key, sign_in):
    client = browser(base_url="https://testserver")
    r = sign_in(client, make_key("analyst"))
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("intertrata_sesion="))
    assert "secure" in cookie.lower()


def test_pages_carry_security_headers(browser):
    r = browser("analyst").get("/ui/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_a_wrong_key_is_refused_in_spanish(browser, sign_in):
    r = sign_in(browser(), "itk_nope_nope")
    assert r.status_code == 401 and "Clave inválida" in r.text


def test_sign_in_without_the_form_token_is_refused(browser, make_key):
    client = browser()
    client.get("/ui/ingresar")
    r = client.post("/ui/ingresar", data={"clave": make_key("analyst"), "csrf": "forged"})
    assert r.status_code == 400 and "intertrata_sesion" not in r.headers.get("set-cookie", "")


def test_an_open_redirect_after_sign_in_is_refused(browser, make_key, sign_in):
    r = sign_in(browser(), make_key("analyst"), "https://evil.example/")
    assert r.headers["location"] == "/ui/"


def test_a_forged_cookie_is_no_session(browser):
    client = browser()
    client.cookies.set("intertrata_sesion", "abc.def")
    assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_posts_without_the_session_token_are_refused(browser, linked_world):
    client = browser("reviewer")
    html = client.get("/ui/revision").text
    item = re.search(r'action="/ui/revision/(\d+)"', html).group(1)
    r = client.post(f"/ui/revision/{item}", data={"decision": "match", "csrf": "forged"})
    assert r.status_code == 403
    with session_scope() as s:
        assert s.scalars(select(Judgement)).all() == []
    assert client.post("/ui/salir", data={"csrf": "forged"}).status_code == 400


def test_sign_out_ends_the_session(browser, csrf_of):
    client = browser("analyst")
    token = csrf_of(client.get("/ui/").text)
    r = client.post("/ui/salir", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_a_revoked_key_ends_the_session(browser, make_key, sign_in):
    from app.auth.service import revoke_key

    client = browser()
    key = make_key("analyst")
    sign_in(client, key)
    assert client.get("/ui/").status_code == 200
    with session_scope() as s:
        revoke_key(s, key_id=key.split("_")[1])
    assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_panorama_shows_the_api_figures_and_hides_small_cells_for_analysts(
    browser, linked_world, as_role
):
    api = browser().get("/v1/statistics/victims", headers=as_role("analyst")).json()
    html = browser("analyst").get("/ui/panorama").text
    assert "cifra reservada" in html
    table = html.split('id="tabla-anual"')[1].split("</table>")[0]
    for year in api["years"]:
        row = table.split(f'<th scope="row">{year["year"]}</th>')[1].split("</tr>")[0]
        assert f"<strong>{year['reconciled']}</strong>" in row
    sex = (
        browser()
        .get("/v1/statistics/victims", params={"group_by": ["sex"]}, headers=as_role("analyst"))
        .json()
    )
    last = str(api["years"][-1]["year"])
    hidden = [c for c in sex["cells"] if c["key"]["year"] == last and c["persons"] is None]
    block = html.split('id="desglose-sex"')[1].split("</article>")[0]
    assert ("—" in block) == bool(hidden)
    assert "Total estimado" in html and "Departamentos por tasa" in html


def test_panorama_shows_every_cell_to_an_admin(browser, linked_world):
    html = browser("admin").get("/ui/panorama?desglose=sex").text
    assert "cifra reservada" not in html
    block = html.split('id="desglose-sex"')[1].split("</article>")[0]
    assert "—" not in block


def test_panorama_filters_years(browser, linked_world):
    html = browser("analyst").get("/ui/panorama?desde=2018&hasta=2018&desglose=sex").text
    table = html.split('id="tabla-anual"')[1].split("</table>")[0]
    assert '<th scope="row">2018</th>' in table and '<th scope="row">2017</th>' not in table
    assert browser("analyst").get("/ui/panorama?desde=abc").status_code == 422


def test_review_decides_and_loads_the_next_pair(browser, linked_world, csrf_of):
    client = browser("reviewer")
    html = client.get("/ui/revision").text
    assert "Misma persona" in html and 'class="compare"' in html and "Evidencia por campo" in html
    seen = []
    for decision in ("match", "no_match", "unsure"):
        item = re.search(r'action="/ui/revision/(\d+)"', html).group(1)
        seen.append(item)
        r = client.post(
            f"/ui/revision/{item}",
            data={"decision": decision, "csrf": csrf_of(html)},
            headers={"X-Requested-With": "fetch"},
        )
        assert r.status_code == 200 and "Decisión registrada" in r.text
        html = r.text
    assert len(set(seen)) == 3
    assert "No quedan pares por revisar" in html
    with session_scope() as s:
        decisions = sorted(j.decision for j in s.scalars(select(Judgement)))
        assert decisions == ["match", "no_match", "unsure"]
        actions = {e.action for e in s.scalars(select(AuditEvent))}
        assert "read_review_queue" in actions


def test_review_without_javascript_redirects(browser, linked_world, csrf_of):
    client = browser("reviewer")
    html = client.get("/ui/revision").text
    item = re.search(r'action="/ui/revision/(\d+)"', html).group(1)
    r = client.post(
        f"/ui/revision/{item}",
        data={"decision": "match", "csrf": csrf_of(html)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/ui/revision?hecho=match"


def test_person_page_is_audited(browser, linked_world):
    with session_scope() as s:
        pid = s.scalars(select(PersonMember.person_id)).first()
    html = browser("reviewer").get(f"/ui/personas/{pid}").text
    assert f"Persona {pid}" in html and "Cronología" in html and "Registros de origen" in html
    with session_scope() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "read_person")).all()
        assert [e.resource_id for e in events] == [str(pid)]
    assert browser("reviewer").get("/ui/personas/999999").status_code == 404
    assert browser("analyst").get(f"/ui/personas/{pid}").status_code == 403


def test_person_page_shows_the_reviewer_documents_in_clear(browser, linked_world):
    with session_scope() as s:
        rows = s.execute(
            select(PersonMember.person_id, SourceRecordVersion.record).join(
                SourceRecordVersion,
                SourceRecordVersion.source_record_id == PersonMember.source_record_id,
            )
        ).all()
    pid, stored = next((p, r) for p, r in rows if str(r.get("document_number")).startswith("enc:"))
    html = browser("reviewer").get(f"/ui/personas/{pid}").text
    assert open_record(stored)["document_number"] in html
    assert "enc:v1:" not in html


def test_upload_shows_rejected_rows_with_reasons(browser, csrf_of):
    client = browser("agency", "RETA")
    token = csrf_of(client.get("/ui/cargas").text)
    r = client.post(
        "/ui/cargas",
        data={"csrf": token, "sistema": "RETA"},
        files={"archivo": ("reta.csv", BAD_RETA.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert "Filas rechazadas" in page.text and "FECHA_DENUNCIA" in page.text
    rows = page.text.split('id="rechazos"')[1]
    assert "R2015-900002" in rows and "R2015-900001" not in rows
    csv = client.get(r.headers["location"] + "/rechazados.csv")
    assert csv.status_code == 200 and "MOTIVOS" in csv.text and "R2015-900002" in csv.text
    assert "R2015-900001" not in csv.text


def test_agency_cannot_upload_to_the_other_system(browser, csrf_of):
    client = browser("agency", "RETA")
    token = csrf_of(client.get("/ui/cargas").text)
    r = client.post(
        "/ui/cargas",
        data={"csrf": token, "sistema": "SISTRA"},
        files={"archivo": ("s.csv", b"x", "text/csv")},
    )
    assert r.status_code == 403 and "no puede operar sobre" in r.text


def test_upload_without_the_session_token_is_refused(browser):
    client = browser("agency", "RETA")
    r = client.post(
        "/ui/cargas",
        data={"csrf": "", "sistema": "RETA"},
        files={"archivo": ("reta.csv", BAD_RETA.encode(), "text/csv")},
    )
    assert r.status_code == 403


def test_secretariat_downloads_the_annual_report_in_each_format(browser, linked_world):
    client = browser("secretariat")
    for fmt, media in (
        ("pdf", "application/pdf"),
        ("xlsx", "spreadsheetml"),
        ("csv", "text/csv"),
        ("html", "text/html"),
    ):
        r = client.get(f"/ui/informes/anual?anio=2018&formato={fmt}")
        assert r.status_code == 200 and media in r.headers["content-type"], fmt
        assert f'{fmt}"' in r.headers["content-disposition"]


def test_snapshots_are_frozen_listed_and_compared(browser, linked_world, csrf_of):
    client = browser("secretariat")
    for note in ("primera", "segunda"):
        token = csrf_of(client.get("/ui/informes").text)
        r = client.post("/ui/informes/instantaneas", data={"csrf": token, "nota": note})
        assert r.status_code == 200  # followed the redirect back to the page
    html = client.get("/ui/informes").text
    ids = re.findall(r'name="a" value="(\d+)"', html)
    assert len(ids) == 2 and "segunda" in html
    compared = client.get(f"/ui/informes?a={ids[1]}&b={ids[0]}").text
    assert 'id="comparacion"' in compared and "2018" in compared
