"""The Évolution page on a store with two survey waves, two national lists and two years of activity: each chart
is the one the command line computes, its title says only what its test or its counts show (in a browser at 1,440
and 390 pixels: tests/ui/test_browser.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from msap_stats import charts, store
from msap_stats.indicators import Filters
from msap_stats.intake.importer import import_file
from tests.conftest import SHARED
from tests.reference import waves as built
from tests.spreadsheets import write_csv_fr
from tests.survey.test_waves import REFERENCE, _file
from tests.test_cli import cli
from tests.ui.test_pages import app, chart_titles, ok

L2022 = SHARED / "liste-fs-20221201.csv"


def satisfied(r: dict) -> str | None:
    """Very satisfied exactly when helped with a file (no answer when that one has none): the change of "très
    satisfaits" is R's of that item."""
    return None if r["motif_aide_dossier"] is None else "Très satisfait" if r["motif_aide_dossier"] else "Plutôt satisfait"


@pytest.fixture(scope="module")
def evolving(registry_db, registry_file, tmp_path_factory):
    if not L2022.exists():
        pytest.skip("liste de 2022 absente de ../shared/data")
    folder = tmp_path_factory.mktemp("evolution")
    db = folder / "evolution.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, L2022, "maisons", accept_suggestions=True)
    rows = built.build(registry_file)
    for wave in ("2016", "2024"):
        import_file(con, _file(folder / f"usagers_{wave}.csv", [r for r in rows if r["vague"] == wave], True,
                               satisfied), "usagers")
    activity = [[m, f"{y}-{mo:02d}", "emploi", 10 + mo + (3 if y == 2024 else 0)]
                for y in (2023, 2024) for mo in range(1, 13) for m in ("1", "2", "3") if (m, y, mo) != ("3", 2024, 3)]
    import_file(con, write_csv_fr(folder / "activite.csv", ["id_maison", "mois", "thematique", "nb"], activity),
                "activite")
    con.execute("CHECKPOINT")
    con.close()
    return db


def test_the_page_shows_the_changes_the_command_line_computes(evolving, tmp_path, monkeypatch):
    db = tmp_path / "e.duckdb"
    shutil.copy(evolving, db)
    at = app(db, monkeypatch)
    at.switch_page("pages/evolution.py").run()
    ok(at)
    titles = chart_titles(at)
    con = store.connect(db, read_only=True)
    try:
        expected = [charts.evolution.waves_change(con, Filters(), "usagers"),
                    *(view(con, Filters()) for view in (charts.evolution.network_change, charts.evolution.growth,
                                                        charts.evolution.density_change,
                                                        charts.evolution.activity_year))]
    finally:
        con.close()
    assert [c.titre for c in expected] == [t for t in titles]
    ref = REFERENCE["ensemble"]["motif_aide_dossier"]["change"]
    assert titles[0] == (f"Très satisfaits de l'accueil : +{ref['ecart']:.1f} points depuis 2016, écart "
                         "significatif").replace(".", ",")
    assert titles[1].startswith("237 ouverture(s) et 75 fermeture(s) de sites entre le 01/12/2022 et le 01/08/2024")
    december = f"{100 * ((10 + 12 + 3) / (10 + 12) - 1):.1f}".replace(".", ",")  # each Maison, both years
    assert titles[4] == f"Demandes de décembre 2024 : +{december}\u202f% sur un an, à Maisons constantes"
    messages = " ".join(i.value for i in at.info)
    assert "Une seule vague d'enquête agents" in messages and "Une seule vague d'enquête habitants" in messages
    out = json.loads(cli("evolution", "--kind", "usagers", "--db", str(db)).stdout)
    assert out["indicateurs"]["tres_satisfait"]["ecart"] == pytest.approx(ref["ecart"], abs=0.05)
    assert out["indicateurs"]["tres_satisfait"]["significatif"] is True
    network = json.loads(cli("evolution", "--kind", "maisons", "--db", str(db)).stdout)
    assert (network["ouvertures"], network["fermetures"]) == (237, 75)




def test_the_pack_has_an_evolution_part_with_the_same_changes(evolving):
    import io

    from openpyxl import load_workbook

    from msap_stats.export import pack
    from tests.export.test_export import flat, pdf_text

    con = store.connect(evolving, read_only=True)
    try:
        built_pack = pack.build(con, Filters())
        page_charts = [charts.evolution.waves_change(con, Filters(), "usagers"),
                       charts.evolution.network_change(con, Filters()), charts.evolution.activity_year(con, Filters())]
    finally:
        con.close()
    _, text = pdf_text(built_pack.files["en-bref.pdf"])
    text = flat(text)
    assert "Évolution" in text and "l'écart entre deux vagues est testé avec les Maisons" in text
    for chart in page_charts:  # the page's titles, in the note
        assert flat(chart.titre) in text, chart.titre
    sheets = load_workbook(io.BytesIO(built_pack.files["tableaux.xlsx"])).sheetnames
    assert len(sheets) >= len(built_pack.charts) and len(built_pack.charts) >= 3


def test_a_date_in_the_sidebar_shows_the_network_in_force_that_day(evolving, tmp_path, monkeypatch):
    import datetime as dt

    from msap_stats.fmt import nombre
    from tests.ui.test_pages import htmls

    db = tmp_path / "e.duckdb"
    shutil.copy(evolving, db)
    at = app(db, monkeypatch)
    at.run()
    ok(at)
    assert nombre(2845) in htmls(at)
    at.date_input(key="f_date").set_value(dt.date(2023, 6, 30)).run()
    ok(at)
    assert nombre(2683) in htmls(at) and nombre(2845) not in htmls(at)
    assert at.query_params["date"] == "2023-06-30"
    linked = app(db, monkeypatch, date="2023-06-30")  # the link keeps the date
    linked.run()
    assert nombre(2683) in htmls(linked)


def test_growth_and_density_then_and_now(evolving):
    import collections
    import csv

    from msap_stats.fmt import nombre
    from msap_stats.indicators import regions_table

    import re

    with open(SHARED / "liste-fs-20240801.csv", encoding="utf-8", newline="") as f:  # « Espace labellisé 01/09/2020 »
        dates = [m.groups() for r in csv.DictReader(f) if (m := re.search(r"\d\d/(\d\d)/(\d{4})", r["labellisation_fs"]))]
    quarters = collections.Counter(f"T{(int(month) - 1) // 3 + 1} {year}" for month, year in dates)
    con = store.connect(evolving, read_only=True)
    try:
        growth = charts.evolution.growth(con, Filters())
        density = charts.evolution.density_change(con, Filters())
        population = regions_table(con, Filters())["population"].sum()
    finally:
        con.close()
    got = dict(zip(growth.donnees["Trimestre"], growth.donnees["Labellisés"]))
    assert got == dict(quarters) and growth.donnees["Cumul"].iloc[-1] == len(dates)
    assert growth.titre.startswith(f"{nombre(len(dates))} sites du réseau actuel labellisés de T1 2020")
    then, now = 1e5 * len(rows_of_2022()) / population, 1e5 * 2845 / population
    assert density.titre == (f"De {nombre(then, 1)} à {nombre(now, 1)} Maisons pour 100 000 habitants entre le "
                             "01/12/2022 et aujourd'hui")


def rows_of_2022() -> list[dict]:
    import csv

    with open(L2022, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
