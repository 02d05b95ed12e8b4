"""Properties, on values drawn by hypothesis: every date, number, yes/no answer and opening hours written the ways
the formats allow is read back exactly; any other text is refused, never silently dropped; a valid file always
imports with its totals, an invalid one never changes the store."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msap_stats import store
from msap_stats.errors import ImportRefused
from msap_stats.intake.importer import import_bytes
from msap_stats.schema import KINDS, THEMATIQUES, _day_minutes_sql
from msap_stats.intake.validate import FALSE_KEYS, TRUE_KEYS, column_sql, parsed_type
from tests.conftest import store_digest

CON = duckdb.connect()
DATE = KINDS["activite"].column("date")
NB = KINDS["activite"].column("nb")
LATITUDE = KINDS["maisons"].column("latitude")
OUI_NON = KINDS["usagers"].column("simplifie_quotidien")
HOURS = KINDS["maisons"].column("h_lundi")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(col, text: str):
    """(the typed value, whether a check refuses the cell) for one cell, through the project's own SQL."""
    val, checks = column_sql(col, "v")
    refused = " OR ".join(f"coalesce({c.sql('v', 'x')}, false)" for c in checks) or "false"
    return CON.execute(f"SELECT x, {refused} FROM (SELECT v, CAST({val} AS {parsed_type(col)}) AS x "
                       f"FROM (SELECT CAST(? AS VARCHAR) AS v))", [text]).fetchall()[0]


dates = st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31))
DATE_WRITINGS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%d 00:00:00", "%d/%m/%Y 00:00"]


@SETTINGS
@given(dates, st.sampled_from(DATE_WRITINGS))
def test_every_written_date_reads_back(day, writing):
    assert read(DATE, day.strftime(writing)) == (day, False)


def _unread_is_refused(col, text):
    value, refused = read(col, text)
    assert value is not None or refused, f"{text!r} dropped without a word"


@SETTINGS
@given(st.text(min_size=1, max_size=20).filter(lambda s: s.strip()))
def test_any_other_text_is_read_or_refused_never_dropped(text):
    for col in (DATE, NB, LATITUDE, OUI_NON, HOURS):
        _unread_is_refused(col, text)


@SETTINGS
@given(st.decimals(min_value=-90, max_value=90, places=6, allow_nan=False), st.booleans())
def test_decimal_commas_and_points(number, comma):
    text = f"{number:f}".replace(".", "," if comma else ".")
    value, refused = read(LATITUDE, text)
    assert not refused and value == pytest.approx(float(number), abs=1e-9)


@SETTINGS
@given(st.integers(1, 10**9), st.sampled_from([" ", "\u202f", ""]))
def test_counts_with_thousands_separators(n, separator):
    text = f"{n:,}".replace(",", separator)
    assert read(NB, text) == (n, False)


@SETTINGS
@given(st.sampled_from(TRUE_KEYS + FALSE_KEYS), st.sampled_from([str.upper, str.lower, str.capitalize]))
def test_yes_and_no_in_any_case(key, case):
    assert read(OUI_NON, case(key)) == (key in TRUE_KEYS, False)


intervals = st.lists(st.tuples(st.integers(0, 23 * 60), st.integers(1, 6 * 60)), min_size=1, max_size=4)


@SETTINGS
@given(intervals, st.sampled_from([" / ", "/", " et ", ", "]), st.booleans())
def test_opening_hours_count_each_minute_once(spans, joiner, h_style):
    def hm(m: int) -> str:
        return f"{m // 60}h{m % 60:02d}" if h_style else f"{m // 60:02d}:{m % 60:02d}"

    spans = [(a, min(a + length, 1439)) for a, length in spans]
    text = joiner.join(f"{hm(a)} - {hm(b)}" for a, b in spans)
    minutes = CON.execute(f"SELECT {_day_minutes_sql('lundi')} FROM (SELECT CAST(? AS VARCHAR) AS h_lundi)",
                          [text]).fetchall()[0][0]
    assert minutes == len(set().union(*(range(a, b) for a, b in spans)))
    assert read(HOURS, text)[1] is False


# --- Whole imports ----------------------------------------------------------------

MAISONS = [f"M{i}" for i in range(8)]
LABELS = [t.label for t in THEMATIQUES]
row = st.tuples(st.sampled_from(MAISONS), st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
                st.sampled_from(LABELS), st.integers(1, 500))


@pytest.fixture(scope="module")
def small_registry(tmp_path_factory):
    path = tmp_path_factory.mktemp("proprietes") / "registre.duckdb"
    con = store.connect(path)
    body = "id_maison;nom;code_departement\n" + "".join(f"{m};Maison {m};0{1 + i}\n" for i, m in enumerate(MAISONS))
    import_bytes(con, body.encode(), "registre.csv", "maisons")
    con.close()
    return path


def _csv(rows) -> bytes:
    return ("id_maison;date;thematique;nb\n" + "".join(f"{m};{d:%d/%m/%Y};{t};{n}\n" for m, d, t, n in rows)
            ).encode("cp1252")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row, min_size=1, max_size=40))
def test_a_valid_file_always_imports_with_its_totals(small_registry, tmp_path, rows):
    db = tmp_path / "s.duckdb"
    shutil.copy(small_registry, db)
    con = store.connect(db)
    try:
        keys = {(m, d.replace(day=1)) for m, d, _, _ in rows}
        result = import_bytes(con, _csv(rows), "activite.csv", "activite")
        assert result.lignes_chargees == len(rows)
        stored = con.execute("SELECT count(*), sum(nb), count(DISTINCT (id_maison, mois)) FROM activite_actifs"
                             ).fetchall()[0]
        assert stored == (len(rows), sum(n for *_, n in rows), len(keys))
    finally:
        con.close()


BAD_CELLS = {"id_maison": ["M99", "' OR 1=1 --"], "date": ["31/02/2016", "demain", "2016-13-01"],
             "thematique": ["=HYPERLINK(\"x\")", "Emplois divers"], "nb": ["-2", "2,5", "beaucoup"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row, min_size=1, max_size=30), st.data())
def test_an_invalid_file_never_changes_the_store(small_registry, tmp_path, rows, data):
    column = data.draw(st.sampled_from(list(BAD_CELLS)))
    bad = data.draw(st.sampled_from(BAD_CELLS[column]))
    where = data.draw(st.integers(0, len(rows) - 1))
    body = _csv(rows).decode("cp1252").splitlines()
    cells = body[where + 1].split(";")
    cells[["id_maison", "date", "thematique", "nb"].index(column)] = bad
    body[where + 1] = ";".join(cells)
    db = tmp_path / "s.duckdb"
    shutil.copy(small_registry, db)
    before = store_digest(db)
    con = store.connect(db)
    try:
        with pytest.raises(ImportRefused) as refused:
            import_bytes(con, ("\n".join(body) + "\n").encode("cp1252"), "activite.csv", "activite")
    finally:
        con.close()
    assert any(p.ligne == where + 2 for p in refused.value.problems), refused.value.report()
    assert store_digest(db) == before
