"""The national list of France services, imported exactly as published."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from msap_stats import store
from msap_stats.indicators import Filters, maisons_summary
from msap_stats.intake.importer import import_file
from msap_stats.intake.profiles import Choices
from tests.spreadsheets import write_csv_fr

DAYS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")


def read_registry(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def independent_weekly_hours(row: dict) -> float | None:
    """Each open minute of a day counted once, written independently of the SQL."""
    total = 0
    for day in DAYS:
        minutes = set()
        for h1, m1, h2, m2 in re.findall(r"(\d\d):(\d\d) - (\d\d):(\d\d)", row[day] or ""):
            minutes.update(range(int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)))
        total += len(minutes)
    return total / 60 if total else None


def test_registry_has_every_site_and_the_right_count_per_departement(registry_file, registry_db):
    rows = read_registry(registry_file)
    expected = Counter(r["insee_dep"] for r in rows)
    con = store.connect(registry_db, read_only=True)
    summary = maisons_summary(con, Filters())
    con.close()
    assert len(rows) == 2845
    assert summary["total"] == 2845
    assert summary["par_departement"] == dict(expected)


def test_weekly_hours_count_overlapping_intervals_once(registry_file, registry_db):
    rows = read_registry(registry_file)
    expected = {r["id_fs"]: independent_weekly_hours(r) for r in rows}
    con = store.connect(registry_db, read_only=True)
    got = dict(con.execute("SELECT id_maison, heures_hebdo FROM maisons_actifs").fetchall())
    con.close()
    assert got.keys() == expected.keys()
    mismatched = [k for k in expected if (got[k] is None) != (expected[k] is None)
                  or (got[k] is not None and abs(got[k] - expected[k]) > 1e-9)]
    assert mismatched == []
    # The list really holds overlaps: a naive sum of intervals would count more.
    overlapping = [r for r in rows if "08:00 - 15:00 / 08:00 - 16:00" in (r["h_lundi"] or "")]
    assert overlapping, "the published list has overlapping intervals"


def test_sites_without_hours_are_unknown_not_closed(registry_file, registry_db):
    rows = read_registry(registry_file)
    no_hours = sum(1 for r in rows if independent_weekly_hours(r) is None)
    known = [h for h in (independent_weekly_hours(r) for r in rows) if h is not None]
    con = store.connect(registry_db, read_only=True)
    hours = maisons_summary(con, Filters())["heures_hebdo"]
    con.close()
    assert no_hours > 0
    assert hours["inconnues"] == no_hours
    assert hours["max"] == pytest.approx(max(known))
    assert hours["part_24h"] == pytest.approx(round(100 * sum(h >= 24 for h in known) / len(known), 2))


def test_registry_fields_are_typed(registry_db):
    con = store.connect(registry_db, read_only=True)
    row = con.execute("SELECT nom, code_departement, code_commune, type, format, date_labellisation, latitude "
                      "FROM maisons_actifs WHERE id_maison = '1'").fetchall()[0]
    formats = dict(con.execute("SELECT format, count(*) FROM maisons_actifs GROUP BY 1").fetchall())
    con.close()
    assert row[0] == "France services de Valserhône"
    assert row[1:5] == ("01", "01033", "principal", "fixe")
    assert str(row[5]) == "2020-01-01"
    assert row[6] == pytest.approx(46.1060711578546)
    assert formats == {"fixe": 2400, "multisites": 174, "bus": 134, "fixe_antennes": 108, "itinerante": 29}


def test_registry_saved_by_french_excel_imports_the_same(registry_file, registry_db, tmp_path):
    """The same list re-saved by French Excel (semicolons, Windows-1252) gives the same store."""
    rows = read_registry(registry_file)
    header = list(rows[0])
    path = write_csv_fr(tmp_path / "liste.csv", header, [[r[h] or None for h in header] for r in rows],
                        title_rows=[["Liste des France services au 1er août 2024"], []], errors="replace")
    con = store.connect(tmp_path / "s.duckdb")
    import_file(con, path, "maisons")
    mine = con.execute("SELECT id_maison, heures_hebdo, code_departement FROM maisons_actifs ORDER BY 1").fetchall()
    con.close()
    con = store.connect(registry_db, read_only=True)
    ref = con.execute("SELECT id_maison, heures_hebdo, code_departement FROM maisons_actifs ORDER BY 1").fetchall()
    con.close()
    assert mine == ref


def test_coordinates_out_of_their_departement_are_said_before_writing_and_kept_or_dropped(tmp_path):
    from tests.conftest import CONTOURS

    if not CONTOURS.exists():
        pytest.skip("contours des départements absents")
    header = ["id_fs", "lib_fs", "insee_dep", "lib_com", "latitude", "longitude"]
    rows = [["L1", "France services de Mende", "48", "Mende", "44,518", "3,500"],
            ["L2", "France services de Florac", "48", "Florac", "48,8566", "2,3522"],  # geocoded in Paris
            ["L3", "Bus France services du Var", "83", "Brignoles", "43,406", "6,061"]]
    path = write_csv_fr(tmp_path / "liste.csv", header, rows)
    kept = import_file(con := store.connect(tmp_path / "a.duckdb"), path, "maisons")
    where = dict((i, (lat, lon)) for i, lat, lon in con.execute(
        "SELECT id_maison, latitude, longitude FROM maisons_actifs").fetchall())
    con.close()
    said = [w for w in kept.avertissements if "hors de leur département" in w]
    assert len(said) == 1 and said[0].startswith("1 Maison(s) aux coordonnées hors de leur département : "
                                                 "« France services de Florac » (48), ligne 3.")
    assert where["L2"] == (48.8566, 2.3522)  # kept, as said
    dropped = import_file(con := store.connect(tmp_path / "b.duckdb"), path, "maisons",
                          choices=Choices(drop_misplaced=True))
    where = dict((i, (lat, lon)) for i, lat, lon in con.execute(
        "SELECT id_maison, latitude, longitude FROM maisons_actifs").fetchall())
    con.close()
    assert where["L2"] == (None, None) and where["L1"] == (44.518, 3.5) and dropped.lignes_chargees == 3
    assert any("retirées" in w for w in dropped.avertissements)


def test_a_column_whose_values_contradict_its_name_is_not_read_as_it(tmp_path):
    from msap_stats.intake import assistant

    header = ["id_fs", "lib_fs", "insee_dep", "format_fs"]
    labels = [["F1", "France services de Mende", "48", "Espace labellisé 01/01/2020"],
              ["F2", "France services de Florac", "48", "Espace labellisé 01/02/2020"]]
    con = store.connect(tmp_path / "s.duckdb")
    path = write_csv_fr(tmp_path / "liste.csv", header, labels)
    insp = assistant.inspect(con, path.read_bytes(), path.name, "maisons", accept_suggestions=True)
    match = next(m for m in insp.columns if m.fichier == "format_fs")
    assert match.colonne is None and "ses valeurs n'en sont pas" in match.raison and insp.ready
    said = [w for w in insp.warnings if w.startswith("La colonne « format_fs » n'est pas importée : son nom est celui "
                                                         "de la colonne « Format », mais ses valeurs n'en sont pas")]
    assert len(said) == 1 and "par exemple « Espace labellisé" in said[0]  # why, not only in the mapping panel
    result = import_file(con, path, "maisons", accept_suggestions=True)
    assert result.lignes_chargees == 2 and said[0] in result.avertissements
    assert con.execute("SELECT count(format) FROM maisons_actifs").fetchall()[0][0] == 0
    opposite = write_csv_fr(tmp_path / "antennes.csv", header, [["A1", "France services de Mende", "48", "Antenne"],
                                                                ["A2", "France services de Florac", "48", "Fixe"]])
    insp = assistant.inspect(con, opposite.read_bytes(), opposite.name, "maisons", accept_suggestions=True)
    proposal = next(v for v in insp.values["format"] if v.valeur == "Antenne")
    assert proposal.code is None and "ne dit qu'une partie de « Fixe avec antenne(s) »" in proposal.raison
    assert not insp.ready  # never loaded as the opposite of what it says
    con.close()


def test_coordinates_of_an_overseas_collectivite_are_checked_against_its_islands(tmp_path):
    """The contours do not draw the collectivités d'outre-mer: a site of Saint-Martin geocoded in Guadeloupe, or of
    Polynésie in Nouvelle-Calédonie, is said all the same; one on its islands (the Marquesas, 1 400 km from
    Tahiti, are Polynésie) is not."""
    header = ["id_fs", "lib_fs", "insee_dep", "lib_com", "latitude", "longitude"]
    rows = [["C1", "France services de Marigot", "978", "Saint-Martin", "18,0679", "-63,0822"],
            ["C2", "France services de Grand-Case", "978", "Saint-Martin", "16,2411", "-61,5331"],  # Pointe-à-Pitre
            ["C3", "France services de Nuku Hiva", "987", "Nuku-Hiva", "-8,9100", "-140,1000"],
            ["C4", "France services de Papeete", "987", "Papeete", "-22,2758", "166,4580"]]  # Nouméa
    path = write_csv_fr(tmp_path / "com.csv", header, rows)
    result = import_file(con := store.connect(tmp_path / "c.duckdb"), path, "maisons")
    con.close()
    said = next(w for w in result.avertissements if "hors de leur département" in w)
    assert said.startswith("2 Maison(s)") and "Grand-Case" in said and "Papeete" in said
    assert "Marigot" not in said and "Nuku Hiva" not in said
