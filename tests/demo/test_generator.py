"""The synthetic world: determinism, file shapes, truth, defects and summary figures."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from app.demo import World, WorldConfig, generate_to, generate_world, write_world

RETA_HEADER = (
    "ID_REGISTRO;NRO_DENUNCIA;DEPENDENCIA;FECHA_DENUNCIA;FECHA_HECHO;UBIGEO_HECHO;DELITO;"
    "FINALIDAD;FORMA_CAPTACION;CONDICION;APELLIDOS_NOMBRES;TIPO_DOC;NRO_DOC;SEXO;EDAD;FECHA_NAC;"
    "NACIONALIDAD;UBIGEO_NAC;UBIGEO_DOMICILIO;ESTADO"
)
SISTRA_HEADER = (
    "ID_SUJETO,NRO_CARPETA,FISCALIA,DISTRITO_FISCAL,FECHA_INGRESO,FECHA_HECHO,UBIGEO_HECHO,"
    "DELITO,FINALIDAD,ETAPA,ORIGEN,NRO_DENUNCIA_PNP,TIPO_SUJETO,NOMBRES,APELLIDO_PATERNO,"
    "APELLIDO_MATERNO,TIPO_DOCUMENTO,NUMERO_DOCUMENTO,SEXO,EDAD,FECHA_NACIMIENTO,NACIONALIDAD,"
    "UBIGEO_DOMICILIO"
)
SAMPLE_KEYS = {
    "world_victims", "world_cases", "detected_victims", "reta_only", "sistra_only", "both",
    "reta_unique_victims", "sistra_unique_victims", "reta_cases", "sistra_cases",
    "sistra_case_files", "detected_cases", "reta_suspect_rows", "reta_victim_rows",
    "sistra_suspect_rows", "sistra_victim_rows",
}  # fmt: skip


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    write_world(generate_world(WorldConfig.small()), out, xlsx=True)
    return out


@pytest.fixture(scope="module")
def world() -> World:
    """A default world of moderate size: every defect must show up in it."""
    return generate_world(WorldConfig(scale=0.25, year_from=2017, year_to=2022))


@pytest.fixture(scope="module")
def world_dir(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    write_world(world, out)
    return out


def _reta(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="cp1252", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _sistra(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _truth(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------ determinism and shape


def test_same_seed_gives_identical_files(small_dir: Path, tmp_path: Path) -> None:
    write_world(generate_world(WorldConfig.small()), tmp_path, xlsx=False)
    for name in ("reta.csv", "reta_corrections.csv", "sistra.csv", "sistra.jsonl",
                 "sistra_corrections.csv", "truth.csv", "world.json"):  # fmt: skip
        assert (tmp_path / name).read_bytes() == (small_dir / name).read_bytes(), name


def test_different_seed_gives_different_files(small_dir: Path, tmp_path: Path) -> None:
    write_world(generate_world(WorldConfig.small(seed=8)), tmp_path)
    assert (tmp_path / "reta.csv").read_bytes() != (small_dir / "reta.csv").read_bytes()
    assert (tmp_path / "sistra.csv").read_bytes() != (small_dir / "sistra.csv").read_bytes()


def test_streaming_writes_the_same_files(small_dir: Path, tmp_path: Path) -> None:
    generate_to(WorldConfig.small(), tmp_path)
    for name in ("reta.csv", "sistra.csv", "sistra.jsonl", "truth.csv", "world.json"):
        assert (tmp_path / name).read_bytes() == (small_dir / name).read_bytes(), name


def test_headers_are_exactly_the_spec(small_dir: Path) -> None:
    for name in ("reta.csv", "reta_corrections.csv"):
        assert (small_dir / name).read_bytes().split(b"\r\n")[0].decode() == RETA_HEADER
    for name in ("sistra.csv", "sistra_corrections.csv"):
        assert (small_dir / name).read_text(encoding="utf-8").split("\n")[0] == SISTRA_HEADER
    assert (small_dir / "truth.csv").read_text().split("\n")[0] == (
        "system,row_id,person_id,case_id,role"
    )


def test_reta_csv_is_cp1252_crlf_semicolon(world_dir: Path) -> None:
    raw = (world_dir / "reta.csv").read_bytes()
    text = raw.decode("cp1252")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(next(csv.reader([ln], delimiter=";"))) == 20 for ln in lines)
    quoted = [ln for ln in lines if '"' in ln]
    assert all(";" in f for ln in quoted for f in re.findall(r'"([^"]*)"', ln))
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accents and Ñ really are single cp1252 bytes


def test_sistra_csv_and_jsonl(world_dir: Path) -> None:
    raw = (world_dir / "sistra.csv").read_bytes()
    assert b"\r" not in raw
    rows = _sistra(world_dir / "sistra.csv")
    objs = [json.loads(ln) for ln in (world_dir / "sistra.jsonl").read_text("utf-8").splitlines()]
    assert len(objs) == len(rows)
    for row, obj in zip(rows, objs, strict=True):
        assert list(obj) == list(row)
        assert "" not in obj.values()
        assert obj["EDAD"] is None or isinstance(obj["EDAD"], int)
        assert obj["NOMBRES"] == (row["NOMBRES"] or None)


def test_reta_xlsx_first_sheet_with_numbers(small_dir: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(small_dir / "reta.xlsx", read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert ";".join(rows[0]) == RETA_HEADER
    csv_rows = _reta(small_dir / "reta.csv")
    assert len(rows) - 1 == len(csv_rows)
    docs = [r[12] for r in rows[1:] if r[12] is not None]
    assert docs and all(isinstance(d, int) for d in docs if str(d).isdigit())


def test_row_ids_and_numbers_have_the_source_shape(world: World) -> None:
    assert all(re.fullmatch(r"R20\d\d-\d{6}", r["ID_REGISTRO"]) for r in world.reta_rows)
    assert all(re.fullmatch(r"S-\d{10}", r["ID_SUJETO"]) for r in world.sistra_rows)
    assert all(re.fullmatch(r"\d{10}-20\d\d-\d+-0", r["NRO_CARPETA"]) for r in world.sistra_rows)
    assert all(r["ID_REGISTRO"][1:5] == r["FECHA_DENUNCIA"][-4:] for r in world.reta_rows)
    for r in world.reta_rows:
        if r["TIPO_DOC"] == "DNI" and r["NRO_DOC"]:
            assert r["NRO_DOC"].isdigit() and len(r["NRO_DOC"]) <= 9


# ------------------------------------------------------------------ truth


def test_every_row_id_is_in_truth_exactly_once(world_dir: Path) -> None:
    truth = _truth(world_dir / "truth.csv")
    counts = Counter((t["system"], t["row_id"]) for t in truth)
    assert max(counts.values()) == 1
    reta = {("RETA", r["ID_REGISTRO"]) for r in _reta(world_dir / "reta.csv")}
    sistra = {("SISTRA", r["ID_SUJETO"]) for r in _sistra(world_dir / "sistra.csv")}
    assert set(counts) == reta | sistra
    assert len(reta) + len(sistra) == len(truth)
    fixes = _reta(world_dir / "reta_corrections.csv")
    assert fixes and {("RETA", r["ID_REGISTRO"]) for r in fixes} <= reta
    assert {t["role"] for t in truth} == {"victim", "suspect"}


def test_corrections_change_fields_of_existing_rows(world: World) -> None:
    by_id = {r["ID_REGISTRO"]: r for r in world.reta_rows}
    assert all(by_id[c["ID_REGISTRO"]] != c for c in world.reta_corrections)
    s_by_id = {r["ID_SUJETO"]: r for r in world.sistra_rows}
    assert world.sistra_corrections
    assert all(s_by_id[c["ID_SUJETO"]] != c for c in world.sistra_corrections)
    share = len(world.reta_corrections) / len(world.reta_rows)
    assert 0.03 < share < 0.15


# ------------------------------------------------------------------ defects


def test_every_known_defect_occurs(world: World) -> None:
    for key in (
        "typo_name", "typo_doc", "parent_doc", "excel_zero", "unidentified", "age_text",
        "age_off", "no_accents", "enie_to_n", "double_space", "comma", "missing_maternal",
        "denuncia_variant", "particle_split", "second_given_dropped", "surnames_swapped",
        "sistra_split", "new_article",
    ):  # fmt: skip
        assert world.defects.get(key, 0) > 0, key


def test_defects_are_visible_in_reta_rows(world: World) -> None:
    rows = world.reta_rows
    names = Counter(r["APELLIDOS_NOMBRES"] for r in rows)
    assert {"NN", "N.N.", "NO IDENTIFICADO", "POR IDENTIFICAR"} <= set(names)
    assert any(r["EDAD"].endswith(" AÑOS") for r in rows)
    assert any(r["EDAD"] == "MENOR" for r in rows)
    assert any(r["TIPO_DOC"] == "DNI" and len(r["NRO_DOC"]) == 7 for r in rows)
    assert any("," in n for n in names) and any("  " in n for n in names)
    assert {"CE", "PAS", "PTP", "SD", ""} <= {r["TIPO_DOC"] for r in rows}
    assert all("(ART." not in r["DELITO"] for r in rows)
    forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        forms[(r["DEPENDENCIA"], r["FECHA_DENUNCIA"])].add(r["NRO_DENUNCIA"])
    assert any(len(v) > 1 for v in forms.values())
    assert any(v.startswith("N° ") for vs in forms.values() for v in vs)
    off = 0
    for r in rows:
        if r["EDAD"].isdigit() and r["FECHA_NAC"]:
            b = date(*map(int, reversed(r["FECHA_NAC"].split("/"))))
            c = date(*map(int, reversed(r["FECHA_DENUNCIA"].split("/"))))
            true_age = c.year - b.year - ((c.month, c.day) < (b.month, b.day))
            off += abs(int(r["EDAD"]) - true_age) == 1
    assert off > 0


def test_defects_are_visible_in_sistra_rows(world: World) -> None:
    rows = world.sistra_rows
    victims = [r for r in rows if r["TIPO_SUJETO"] == "AGRAVIADO"]
    unidentified = {r["NOMBRES"] for r in victims if not r["APELLIDO_PATERNO"]}
    assert {"", "NN", "PERSONA POR IDENTIFICAR"} <= unidentified
    assert any(r["NRO_DENUNCIA_PNP"] for r in rows if r["ORIGEN"] == "DENUNCIA POLICIAL")
    assert any(not r["NRO_DENUNCIA_PNP"] for r in rows if r["ORIGEN"] == "DENUNCIA POLICIAL")
    assert {"DENUNCIA POLICIAL", "DENUNCIA DE PARTE", "DE OFICIO", "DERIVACION"} <= {
        r["ORIGEN"] for r in rows
    }
    for r in rows:
        new = r["FECHA_INGRESO"] >= "2021-03-31"
        if "ART. 129-" in r["DELITO"]:
            assert new
        if "ART. 153" in r["DELITO"] or "ART. 168-B" in r["DELITO"]:
            assert not new
    assert any("ART. 129-A" in r["DELITO"] for r in rows)
    assert any("ART. 153)" in r["DELITO"] for r in rows)
    assert any(r["APELLIDO_PATERNO"].startswith(("De la ", "Del ", "De los ")) for r in rows)
    assert any(" " in r["NOMBRES"] and "á" in r["NOMBRES"] + r["APELLIDO_PATERNO"] for r in rows)


def test_one_victim_in_several_files_and_shared_documents(world: World) -> None:
    truth = {(t["system"], t["row_id"]): t for t in world.truth}
    files: dict[str, set[str]] = defaultdict(set)
    for r in world.sistra_rows:
        t = truth[("SISTRA", r["ID_SUJETO"])]
        if t["role"] == "victim":
            files[t["person_id"]].add(r["NRO_CARPETA"])
    assert any(len(v) > 1 for v in files.values())
    holders: dict[str, set[str]] = defaultdict(set)
    for r in world.reta_rows:
        if r["NRO_DOC"]:
            holders[r["NRO_DOC"]].add(truth[("RETA", r["ID_REGISTRO"])]["person_id"])
    assert any(len(v) > 1 for v in holders.values())  # a minor with a parent's DNI


def test_same_person_in_several_cases_and_namesakes(world: World) -> None:
    cases: dict[str, set[str]] = defaultdict(set)
    for t in world.truth:
        if t["role"] == "victim":
            cases[t["person_id"]].add(t["case_id"])
    assert any(len(v) > 1 for v in cases.values())  # re-victimisation
    people_by_name: dict[str, set[str]] = defaultdict(set)
    truth = {t["row_id"]: t for t in world.truth}
    for r in world.reta_rows:
        if r["APELLIDOS_NOMBRES"] not in ("NN", "N.N.", "NO IDENTIFICADO", "POR IDENTIFICAR"):
            people_by_name[r["APELLIDOS_NOMBRES"]].add(truth[r["ID_REGISTRO"]]["person_id"])
    assert any(len(v) > 1 for v in people_by_name.values())


def test_hard_noise_has_more_defects() -> None:
    cfg = dict(scale=0.15, year_from=2017, year_to=2020)
    soft = generate_world(WorldConfig(**cfg))  # type: ignore[arg-type]
    hard = generate_world(WorldConfig(noise="hard", **cfg))  # type: ignore[arg-type]
    n_soft = len(soft.reta_rows) + len(soft.sistra_rows)
    n_hard = len(hard.reta_rows) + len(hard.sistra_rows)
    for key, factor in (("typo_name", 2), ("typo_doc", 2), ("unidentified", 1.2),
                        ("surnames_swapped", 1.5), ("missing_maternal", 1.5)):  # fmt: skip
        assert hard.defects[key] / n_hard > factor * soft.defects[key] / n_soft, key
    with pytest.raises(ValueError):
        generate_world(WorldConfig(noise="extreme"))


# ------------------------------------------------------------------ summary


def test_summary_matches_the_rows(world: World, world_dir: Path) -> None:
    summary = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["p_police"] == world.config.p_police
    truth = {(t["system"], t["row_id"]): t for t in world.truth}
    per_year = summary["per_year"]
    assert set(per_year) == {str(y) for y in range(2017, 2023)}
    reta_v: dict[str, set[str]] = defaultdict(set)
    sistra_v: dict[str, set[str]] = defaultdict(set)
    rows: Counter[tuple[str, str, str]] = Counter()
    carpetas: dict[str, set[str]] = defaultdict(set)
    for r in world.reta_rows:
        t, y = truth[("RETA", r["ID_REGISTRO"])], r["FECHA_DENUNCIA"][-4:]
        rows[("reta", y, t["role"])] += 1
        if t["role"] == "victim":
            reta_v[y].add(t["person_id"])
    for r in world.sistra_rows:
        t, y = truth[("SISTRA", r["ID_SUJETO"])], r["FECHA_INGRESO"][:4]
        rows[("sistra", y, t["role"])] += 1
        carpetas[y].add(r["NRO_CARPETA"])
        if t["role"] == "victim":
            sistra_v[y].add(t["person_id"])
    for y, fig in per_year.items():
        assert set(fig) == SAMPLE_KEYS
        assert fig["reta_victim_rows"] == rows[("reta", y, "victim")]
        assert fig["reta_suspect_rows"] == rows[("reta", y, "suspect")]
        assert fig["sistra_victim_rows"] == rows[("sistra", y, "victim")]
        assert fig["sistra_suspect_rows"] == rows[("sistra", y, "suspect")]
        assert fig["reta_unique_victims"] == len(reta_v[y])
        assert fig["sistra_unique_victims"] == len(sistra_v[y])
        assert fig["both"] == len(reta_v[y] & sistra_v[y])
        assert fig["detected_victims"] == fig["reta_only"] + fig["sistra_only"] + fig["both"]
        assert fig["sistra_case_files"] == len(carpetas[y])
        assert fig["world_victims"] >= fig["reta_unique_victims"] * 0.9
    totals = summary["totals"]
    assert totals["reta_rows"] == len(world.reta_rows)
    assert totals["sistra_rows"] == len(world.sistra_rows)
    assert totals["reta_correction_rows"] == len(world.reta_corrections)
    assert totals["world_victims"] > totals["detected_victims"]  # some victims are never seen


def test_scale_one_has_realistic_volume() -> None:
    w = generate_world(WorldConfig(year_from=2016, year_to=2018))
    fig = w.summary["per_year"]["2017"]
    assert 620 <= fig["reta_victim_rows"] <= 830
    assert 1150 <= fig["sistra_victim_rows"] <= 1480
    female = sum(1 for r in w.reta_rows if r["CONDICION"] == "VICTIMA" and r["SEXO"] == "F")
    victims = sum(1 for r in w.reta_rows if r["CONDICION"] == "VICTIMA")
    assert 0.65 < female / victims < 0.9


def test_demo_does_not_depend_on_adapters() -> None:
    src = Path(__file__).resolve().parents[2] / "app" / "demo"
    for path in src.glob("*.py"):
        assert "app.adapters" not in path.read_text(encoding="utf-8"), path.name


def test_small_profile_is_small() -> None:
    w = generate_world(WorldConfig.small())
    assert 0 < len(w.reta_rows) < 1000
    assert w.summary["profile"] == "small"
