"""The counting rules served with every answer, and the labels of the gap terms (Spanish)."""

from __future__ import annotations

from app.statistics.schemas import RuleRead

__all__ = ["GAP_LABELS", "RULES"]

RULES: tuple[RuleRead, ...] = tuple(
    RuleRead(key=k, text=t)
    for k, t in (
        ("unit", "Se cuenta personas vinculadas (víctimas distintas), no filas ni carpetas."),
        (
            "year",
            "Una persona cuenta una vez en cada año en que tiene una fila de víctima; el "
            "año es el de la fecha de registro (RETA: denuncia; SISTRA: ingreso) o, a pedido, el "
            "de la fecha de los hechos (las filas sin esa fecha quedan fuera y se informan).",
        ),
        (
            "attributes",
            "Sexo, nacionalidad, finalidad y departamentos de una persona en un año: "
            "el valor conocido más frecuente entre sus filas del año (empate: la fila más "
            "antigua); la edad es la de su primera fila del año con edad.",
        ),
        (
            "offence_family",
            "Con filtro de delito solo cuentan las filas de esa familia; sin filtro, la "
            "persona es 'trafficking' si alguna fila del año es trata propiamente dicha.",
        ),
        (
            "overlap",
            "Ambos: la persona tiene filas de víctima en RETA y en SISTRA en el año; "
            "solo_reta / solo_sistra: solo en uno de ellos.",
        ),
        (
            "unidentified",
            "Personas sin ninguna fila identificada (NN, por identificar): se "
            "cuentan aparte en 'unidentified', nunca se descartan.",
        ),
        (
            "own_figures",
            "Cifra propia de cada sistema: sus filas de víctima registradas en el "
            "año, todos los delitos (y el subconjunto de trata propiamente dicha), sin vincular.",
        ),
        (
            "gaps",
            "Cada brecha va de una cifra publicada a la cifra conciliada; sus términos "
            "suman exactamente la diferencia.",
        ),
        (
            "suppression",
            "Para roles por debajo de revisor, las celdas entre 1 y el umbral menos "
            "uno se ocultan (null) y se ocultan otras celdas para que no puedan deducirse de los "
            "totales; las estimaciones se muestran solo si sus conteos no están ocultos.",
        ),
        (
            "rates",
            "Tasas por 100 000 habitantes con la población aproximada de 2020 del "
            "departamento (densidad por superficie, tablas de ubigeo).",
        ),
    )
)

GAP_LABELS = {
    "dup_reta": "Duplicados dentro de RETA (misma persona en varias filas)",
    "dup_sistra": "Duplicados dentro de SISTRA (misma persona en varias carpetas)",
    "both_all": "Víctimas en ambos sistemas (contadas dos veces al sumar)",
    "sistra_only_never": "Casos que solo conoce SISTRA",
    "sistra_only_other_year": "En RETA, pero con fecha de otro año (base de fecha)",
    "reta_only_never": "Casos que solo conoce RETA",
    "reta_only_other_year": "En SISTRA, pero con fecha de otro año (base de fecha)",
    "scope_term": "Alcance: delitos afines fuera del filtro de delito",
    "basis_term": "Base de fecha: fecha de los hechos en lugar de la de registro",
    "filter_term": "Otros filtros de la consulta",
}
