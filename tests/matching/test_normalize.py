"""Spanish-aware normalisation cases."""

from app.matching.normalize import (
    complaint_number,
    fold,
    is_unidentified_name,
    normalize_document,
    normalize_name,
    phonetic,
    split_full_name,
    surname_core,
)


def test_accents_removed_but_enie_kept() -> None:
    assert normalize_name("María  José Ñaupari") == "MARIA JOSE ÑAUPARI"


def test_enie_written_n_folds_equal() -> None:
    assert fold("ÑAUPARI") == fold("NAUPARI") == "NAUPARI"


def test_particles_dropped_from_compound_surnames() -> None:
    assert surname_core("De la Cruz") == surname_core("CRUZ") == "CRUZ"
    assert surname_core("Del Castillo") == "CASTILLO"
    assert surname_core("DE LOS SANTOS") == "SANTOS"


def test_split_with_and_without_comma() -> None:
    assert split_full_name("QUISPE MAMANI, ROSA ELENA") == ("QUISPE", "MAMANI", "ROSA ELENA")
    assert split_full_name("QUISPE MAMANI ROSA ELENA") == ("QUISPE", "MAMANI", "ROSA ELENA")
    assert split_full_name("DE LA CRUZ HUAMAN, MARIA") == ("DE LA CRUZ", "HUAMAN", "MARIA")
    assert split_full_name("HERRERA , MIGUEL") == ("HERRERA", "", "MIGUEL")


def test_dni_leading_zeros_restored() -> None:
    assert normalize_document("4512377", "DNI") == normalize_document("04512377", "DNI")
    assert normalize_document("04512377") == "04512377"
    assert normalize_document("00000000", "DNI") == ""
    assert normalize_document("aa-418403", "PASSPORT") == "AA418403"


def test_unidentified_placeholders() -> None:
    for text in ("NN", "N.N.", "NO IDENTIFICADO", "Persona por identificar", "", None):
        assert is_unidentified_name(text)
    assert not is_unidentified_name("NANCY")


def test_phonetic_merges_spanish_homophones() -> None:
    assert phonetic("VASQUEZ") == phonetic("BASQUES") == phonetic("VAZQUEZ")
    assert phonetic("YUPANQUI") == phonetic("YUPANKI")
    assert phonetic("HUAMAN") == phonetic("GUAMAN") or phonetic("HUAMAN") == phonetic("UAMAN")
    assert phonetic("De la Cruz") == phonetic("CRUZ")


def test_complaint_number_typed_freely() -> None:
    assert complaint_number("DEN 0123-2017 DIVINTRAT") == "123-2017"
    assert complaint_number("0123-2017") == complaint_number("123-2017-DIVINTRAT")
    assert complaint_number("N° 123", 2017) == "123-2017"
    assert complaint_number(None) == ""


def test_phonetic_of_a_folded_name_equals_that_of_its_raw_form() -> None:
    from app.matching.normalize import fold, phonetic

    for raw in ("de la Cruz", "Ñaupari", "María del Carmen", "  quispe  mamani ", "O'Brien"):
        assert phonetic(fold(raw)) == phonetic(raw)
    assert phonetic("DE LA CRUZ") == phonetic("CRUZ") == phonetic("de la cruz")
