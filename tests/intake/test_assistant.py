"""The import assistant on real lists as published and on the spreadsheets coordinators keep by hand."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from collections import Counter

import pytest
from openpyxl import Workbook, load_workbook

from msap_stats import store
from msap_stats.errors import ImportRefused
from msap_stats.intake.importer import import_file
from msap_stats.intake import assistant
from msap_stats.intake.layout import parse_month
from msap_stats.intake.report import problems_xlsx
from tests.conftest import ROOT, SHARED, store_digest
from tests.spreadsheets import write_csv_fr, write_xlsx

LIST_2022 = SHARED / "liste-fs-20221201.csv"
LIST_2020 = SHARED / "anct-carto-france-services-20200109.csv"


def cli(*args, db):
    return subprocess.run([sys.executable, "-m", "msap_stats", *map(str, args), "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True)


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def dep_code(raw: str) -> str:
    raw = raw.strip().upper()
    return raw.zfill(2) if raw.isdigit() else raw


@pytest.mark.parametrize("path, id_col, dep_col", [(LIST_2022, "id_fs", "insee_dep"),
                                                   (LIST_2020, "MATRICULE", "DEPARTEMENT")])
def test_real_lists_import_as_published_with_the_suggestions(path, id_col, dep_col, tmp_path):
    if not path.exists():
        pytest.skip(f"liste absente ({path})")
    rows = read_csv(path)
    db = tmp_path / "s.duckdb"
    run = cli("import", path, "--kind", "maisons", "--accept-suggestions", db=db)
    assert run.returncode == 0, run.stderr
    con = store.connect(db, read_only=True)
    got = dict(con.execute("SELECT code_departement, count(*) FROM maisons_actifs GROUP BY 1").fetchall())
    coords = dict(con.execute("SELECT id_maison, [latitude, longitude] FROM maisons_actifs").fetchall())
    con.close()
    assert sum(got.values()) == len(rows)
    assert got == dict(Counter(dep_code(r[dep_col]) for r in rows))
    # Latitude and longitude present wherever the file has them, with the file's values.
    for r in rows:
        lat, lon = r["latitude"], r["longitude"]
        stored = coords[r[id_col].strip()]
        if lat not in ("", "NA") and lon not in ("", "NA"):
            assert stored == pytest.approx([float(lat), float(lon)])
        else:
            assert stored == [None, None]


def test_a_probable_match_is_not_applied_without_asking(tmp_path):
    """The 2022 list's format_fs holds what the project calls the site type: proposed, not imposed."""
    if not LIST_2022.exists():
        pytest.skip("liste 2022 absente")
    db = tmp_path / "s.duckdb"
    store.connect(db).close()
    before = store_digest(db)
    run = cli("import", LIST_2022, "--kind", "maisons", db=db)
    assert run.returncode == 1
    assert "« format_fs » → « type »" in run.stderr and "--accept-suggestions" in run.stderr
    assert "Traceback" not in run.stderr
    assert store_digest(db) == before
    inspected = cli("inspect", LIST_2022, "--kind", "maisons", "--json", db=db)
    assert store_digest(db) == before  # inspecting writes nothing
    found = {c["fichier"]: c for c in json.loads(inspected.stdout)["colonnes"]}
    assert (found["format_fs"]["proposee"], found["format_fs"]["certitude"]) == ("type", "probable")
    assert (found["id_fs"]["proposee"], found["id_fs"]["certitude"]) == ("id_maison", "sûr")
    assert cli("import", LIST_2022, "--kind", "maisons", "--accept-suggestions", db=db).returncode == 0
    con = store.connect(db, read_only=True)
    types = dict(con.execute("SELECT type, count(*) FROM maisons_actifs GROUP BY 1").fetchall())
    con.close()
    expected = Counter(r["format_fs"] for r in read_csv(LIST_2022))
    assert types == {"principal": expected["Site principal"], "antenne": expected["Antenne"]}


def test_free_porteur_names_yield_to_the_porteur_category(tmp_path):
    if not LIST_2020.exists():
        pytest.skip("liste 2020 absente")
    con = store.connect(tmp_path / "s.duckdb")
    insp = assistant.inspect(con, LIST_2020.read_bytes(), LIST_2020.name, "maisons", accept_suggestions=True)
    con.close()
    assert insp.mapping["structure_porteuse"] == "TYPE.STRUCTURE.PORTEUSE"
    assert "STRUCTURE.PORTEUSE" not in insp.mapping.values()
    assert insp.ready and insp.rows_ready == 483
    # Free-text hours are unknown, counted in a warning.
    assert any("« h_mardi »" in w and "valeur(s) illisible(s)" in w for w in insp.warnings)
    import_file(con := store.connect(tmp_path / "s.duckdb"), LIST_2020, "maisons", accept_suggestions=True)
    stored = dict(con.execute("SELECT id_maison, h_mardi FROM maisons_actifs").fetchall())
    con.close()
    on_request = [r["MATRICULE"] for r in read_csv(LIST_2020) if r["h_mardi"] == "Sur RDV"]
    assert on_request and all(stored[m] is None for m in on_request)


def test_geojson_registry_takes_coordinates_from_the_points(registry_file, tmp_path):
    rows = read_csv(registry_file)[:120]
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(r["longitude"]), float(r["latitude"])]},
                 "properties": {"id_fs": r["id_fs"], "lib_fs": r["lib_fs"], "insee_dep": r["insee_dep"],
                                "format_fs": r["format_fs"]}} for r in rows if r["latitude"]]
    path = tmp_path / "registre.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    con = store.connect(tmp_path / "s.duckdb")
    result = import_file(con, path, "maisons")
    got = dict(con.execute("SELECT id_maison, [longitude, latitude] FROM maisons_actifs").fetchall())
    con.close()
    assert result.lignes_chargees == len(features)
    for feat in features:
        assert got[feat["properties"]["id_fs"]] == pytest.approx(feat["geometry"]["coordinates"])
    with pytest.raises(ImportRefused, match="GeoJSON ne peut être que le registre"):
        import_file(store.connect(tmp_path / "t.duckdb"), path, "activite")


def test_registry_without_ids_gets_the_same_ids_on_every_import(registry_file, tmp_path):
    rows = read_csv(registry_file)[:300]
    header = ["Département", "Nom", "Code INSEE commune", "Commune"]
    body = [[r["insee_dep"].lstrip("0"), r["lib_fs"], r["insee_com"], r["lib_com"]] for r in rows]
    path = write_csv_fr(tmp_path / "liste.csv", header, body, errors="replace")
    ids = []
    for name in ("a", "b"):
        con = store.connect(tmp_path / f"{name}.duckdb")
        result = import_file(con, path, "maisons")
        ids.append(con.execute("SELECT id_maison, code_departement FROM maisons_actifs ORDER BY ligne").fetchall())
        con.close()
        assert result.lignes_chargees == 300
        assert any("pas de colonne d'identifiant" in w for w in result.avertissements)
    assert ids[0] == ids[1]
    assert len({i for i, _ in ids[0]}) == 300
    assert Counter(d for _, d in ids[0]) == Counter(r["insee_dep"] for r in rows)


def _wide_workbook(path, months, rows, maison_title="Suivi d'activité — France services de Valserhône",
                   wrong_total_at=None):
    wb = Workbook()
    ws = wb.active
    ws.title = "Activité"
    ws.append([maison_title])
    ws.append([])
    ws.append(["Thématique", *months, "Total"])
    for label, values in rows:
        ws.append([label, *values, sum(int(v or 0) for v in values)])
    totals = [sum(int(r[1][i] or 0) for r in rows) for i in range(len(months))]
    if wrong_total_at is not None:
        totals[wrong_total_at] += 5
    ws.append(["TOTAL", *totals, sum(totals)])
    wb.save(path)
    return path


COORDINATOR_ROWS = [("CAF - prestations familiales", [12, "7", 0, None]), ("Impôts (DGFiP)", [4, 4, "4", 0]),
                    ("Pôle emploi", [20, 18, 22, "19"]), ("Carte grise (ANTS)", [3, 0, 2, 1]),
                    ("Ameli / CPAM", [1, 1, 1, 1])]
EXPECTED_THEMES = {"CAF - prestations familiales": "prestations_sociales", "Impôts (DGFiP)": "fiscalite",
                   "Pôle emploi": "emploi", "Carte grise (ANTS)": "papiers", "Ameli / CPAM": "sante"}


def test_months_as_columns_with_total_row_and_column(con_registry, tmp_path):
    months = [dt.date(2017, m, 1) for m in range(1, 5)]
    path = _wide_workbook(tmp_path / "suivi.xlsx", months, COORDINATOR_ROWS, wrong_total_at=1)
    insp = assistant.inspect(con_registry, path.read_bytes(), path.name, "activite")
    assert insp.frame.shape == "mois_en_colonnes"
    assert insp.maison_proposal.id_maison == "1"  # "France services de Valserhône" read in the title row
    assert {v.valeur: v.code for v in insp.values["thematique"]} == EXPECTED_THEMES
    assert not insp.ready  # the Maison and the labels are proposals: not applied without asking
    result = import_file(con_registry, path, "activite", accept_suggestions=True)
    expected = sum(int(v or 0) for _, values in COORDINATOR_ROWS for v in values)
    per_theme = dict(con_registry.execute("SELECT thematique, sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    per_month = dict(con_registry.execute("SELECT strftime(mois, '%Y-%m'), sum(nb) FROM activite_actifs GROUP BY 1"
                                          ).fetchall())
    maisons = con_registry.execute("SELECT DISTINCT id_maison FROM activite_actifs").fetchall()
    assert sum(per_theme.values()) == expected  # neither the TOTAL row nor the Total column counted
    assert per_theme == {EXPECTED_THEMES[label]: sum(int(v or 0) for v in values) for label, values in COORDINATOR_ROWS}
    assert per_month == {f"2017-{i + 1:02d}": sum(int(r[1][i] or 0) for r in COORDINATOR_ROWS) for i in range(4)}
    assert maisons == [("1",)]
    assert result.lignes_chargees == sum(1 for _, values in COORDINATOR_ROWS for v in values if int(v or 0))
    assert any("diffère de la somme des lignes" in w and "février 2017" in w for w in result.avertissements)


@pytest.mark.parametrize("header", [["Thème", "Janvier", "Février", "Mars"], ["Thème", "01/2016", "02/2016", "03/2016"],
                                    ["Thème", "janv.-16", "févr.-16", "mars-16"]])
def test_month_headers_in_the_ways_people_write_them(con_registry, tmp_path, header):
    path = write_xlsx(tmp_path / "activite_2016.xlsx", header, [["Retraite", 1, 2, 3], ["Total", 1, 2, 3]],
                      title_rows=[["Maison n° 2"]])
    result = import_file(con_registry, path, "activite", accept_suggestions=True, maison="2")
    got = con_registry.execute("SELECT id_maison, strftime(mois, '%Y-%m'), nb FROM activite_actifs ORDER BY 2").fetchall()
    assert result.lignes_chargees == 3
    assert got == [("2", "2016-01", 1), ("2", "2016-02", 2), ("2", "2016-03", 3)]



@pytest.mark.parametrize("label", ["Total", "TOTAL général", "Sous-total", "sous total", "SOUSTOTAL", "Totaux",
                                   "Ensemble", "Cumul annuel", " Total :", "Total_général", "Sous–total", "Sous - total"])
def test_a_total_row_or_column_is_told_by_one_rule_however_it_is_written(con_registry, tmp_path, label):
    header = ["Thème", "Janvier", "Février", label]
    path = write_xlsx(tmp_path / "activite_2016.xlsx", header, [["Retraite", 1, 2, 3], [label, 1, 2, 3]],
                      title_rows=[["Maison n° 2"]])
    result = import_file(con_registry, path, "activite", accept_suggestions=True, maison="2")
    got = con_registry.execute("SELECT strftime(mois, '%Y-%m'), nb FROM activite_actifs ORDER BY 1").fetchall()
    assert result.lignes_chargees == 2 and got == [("2016-01", 1), ("2016-02", 2)]  # neither its row nor its column


def test_one_sheet_per_month(con_registry, tmp_path):
    wb = Workbook()
    sheets = {"Janvier 2017": [("1", "Emploi", 5), ("2", "CAF - prestations familiales", "3"), ("3", "Retraite", 0)],
              "Février 2017": [("1", "Emploi", "7"), ("2", "Impôts (DGFiP)", 2)],
              "Mars 2017": [("1", "Santé", 1), ("3", "Retraite", 4)]}
    for i, (name, rows) in enumerate(sheets.items()):
        ws = wb.active if i == 0 else wb.create_sheet(name)
        ws.title = name
        ws.append(["Code Maison", "Thématique", "Nombre de demandes"])
        for r in rows:
            ws.append(list(r))
        ws.append(["Total", None, sum(int(r[2]) for r in rows)])
    path = tmp_path / "mensuel.xlsx"
    wb.save(path)
    result = import_file(con_registry, path, "activite", accept_suggestions=True)
    got = dict(con_registry.execute("SELECT strftime(mois, '%Y-%m'), sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    assert got == {"2017-01": 8, "2017-02": 9, "2017-03": 5}
    assert result.lignes_chargees == 6  # the zero row loads nothing
    assert any("à 0 demande" in w for w in result.avertissements)


def test_every_problem_in_the_report_grouped_by_kind(con_registry, tmp_path):
    rows = []
    for i in range(200):
        kind = i % 3
        rows.append(["1" if kind != 1 else f"X{i}", "2016-01" if kind != 2 else "treizième mois", "emploi",
                     -i - 1 if kind == 0 else 1])
    path = write_xlsx(tmp_path / "bad.xlsx", ["id_maison", "mois", "thematique", "nb"], rows)
    before = store_digest_of(con_registry)
    with pytest.raises(ImportRefused) as refused:
        import_file(con_registry, path, "activite")
    assert refused.value.total == 200
    groups = {(g.colonne, g.total) for g in refused.value.groups()}
    assert groups == {("nb", 67), ("id_maison", 67), ("mois", 66)}
    report = str(refused.value)
    assert "67 × colonne « nb » : doit être supérieur ou égal à 1" in report
    assert "… et 57 autre(s) ligne(s) de ce type." in report
    book = load_workbook(__import__("io").BytesIO(problems_xlsx(refused.value)))
    detail = list(book["Problèmes"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == 200
    assert sorted(r[0] for r in detail) == list(range(2, 202))
    assert store_digest_of(con_registry) == before


def store_digest_of(con) -> tuple:
    return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                 for t in ("imports", "activite", "maisons", "profils"))


def test_refusals_go_to_their_own_journal_and_the_cli_writes_the_full_report(registry_copy, tmp_path):
    rows = [["1", "2016-01", "emploi", -i] for i in range(1, 120)] + [["1", "2016-01", "emploi", '=HYPERLINK("x")']]
    path = write_csv_fr(tmp_path / "a.csv", ["id_maison", "mois", "thematique", "nb"], rows)
    before = store_digest(registry_copy)
    report = tmp_path / "problemes.xlsx"
    run = cli("import", path, "--kind", "activite", "--rapport", report, db=registry_copy)
    assert run.returncode == 1 and "(120 problèmes)" in run.stderr and "119 × colonne « nb »" in run.stderr
    assert store_digest(registry_copy) == before
    cells = [row for row in load_workbook(report)["Problèmes"].iter_rows(min_row=2)]
    assert len(cells) == 120
    formula = next(row[2] for row in cells if str(row[2].value).startswith("="))
    assert (formula.value, formula.data_type) == ('=HYPERLINK("x")', "s")  # shown as written, never computed
    journal = registry_copy.with_name(registry_copy.stem + ".refus.jsonl")
    entry = json.loads(journal.read_text("utf-8").splitlines()[-1])
    assert (entry["fichier"], entry["kind"], entry["problemes"]) == ("a.csv", "activite", 120)


def test_a_saved_profile_imports_the_next_monthly_file_in_one_step(registry_copy, tmp_path):
    first = _wide_workbook(tmp_path / "janvier_avril.xlsx", [dt.date(2017, m, 1) for m in range(1, 5)], COORDINATOR_ROWS)
    later = _wide_workbook(tmp_path / "mai_aout.xlsx", [dt.date(2017, m, 1) for m in range(5, 9)], COORDINATOR_ROWS)
    run = cli("import", first, "--kind", "activite", "--accept-suggestions", "--save-profile", "Suivi Valserhône",
              db=registry_copy)
    assert run.returncode == 0, run.stderr
    # The second file: the profile is found by its headers and supplies every choice of columns and values;
    # the Maison is the file's own (a profile never carries it over to another Maison's file).
    second = cli("import", later, "--kind", "activite", "--maison", "1", db=registry_copy)
    assert second.returncode == 0, second.stderr
    con = store.connect(registry_copy, read_only=True)
    total = con.execute("SELECT sum(nb) FROM activite_actifs").fetchall()[0][0]
    used = con.execute("SELECT profil FROM imports WHERE kind = 'activite' ORDER BY import_id").fetchall()
    con.close()
    assert total == 2 * sum(int(v or 0) for _, values in COORDINATOR_ROWS for v in values)
    assert used == [("Suivi Valserhône",), ("Suivi Valserhône",)]
    listed = cli("profiles", "list", db=registry_copy)
    assert "Suivi Valserhône\tactivite\t2 import(s)" in listed.stdout
    assert cli("profiles", "rename", "Suivi Valserhône", "Valserhône", db=registry_copy).returncode == 0
    assert cli("profiles", "delete", "Valserhône", db=registry_copy).returncode == 0
    assert "Aucun profil" in cli("profiles", db=registry_copy).stdout


def test_survey_own_age_bands_are_kept_with_a_warning(con_registry, tmp_path):
    header = ["id_reponse", "date_reponse", "id_maison", "motif_aide_dossier", "motif_renseignement",
              "motif_outils_libre_acces", "motif_demarche_en_ligne", "satisfaction_accueil", "simplifie_quotidien",
              "tranche_age"]
    bands = ["18-34 ans", "35-49 ans", "50-64 ans", "65 ans et plus"]
    rows = [[f"R{i}", dt.date(2016, 11, 3), "1", "x", None, None, None, "Très satisfait", "Oui", bands[i % 4]]
            for i in range(40)]
    path = write_xlsx(tmp_path / "u.xlsx", header, rows)
    with pytest.raises(ImportRefused):
        import_file(con_registry, path, "usagers")  # not the reference bands: the person decides
    result = import_file(con_registry, path, "usagers", accept_suggestions=True)
    stored = dict(con_registry.execute("SELECT tranche_age, count(*) FROM usagers_actifs GROUP BY 1").fetchall())
    assert stored == {b: 10 for b in bands}
    assert any("catégories propres à l'enquête" in w and "18-34 ans" in w for w in result.avertissements)


def test_unreadable_optional_cells_are_unknown_with_a_warning(tmp_path):
    header = ["id_fs", "lib_fs", "insee_dep", "h_lundi", "h_mardi", "labellisation", "h_mercredi"]
    rows = [["A1", "Maison A", "5", "9h - 12h / 14h – 17h", "Sur RDV", "Espace labélisé 01/2020", "8h\xa0-\xa010h"],
            ["A2", "Maison B", "05", "-", "Horaires non communiqués", "Espace labellisé 15/03/2021", "9h12h/14h-17h"],
            ["A3", "Maison C", "2A", "13-17", "NA", "plus tard", "9h-12h sauf le 1er"]]
    path = write_csv_fr(tmp_path / "liste.csv", header, rows)
    con = store.connect(tmp_path / "s.duckdb")
    result = import_file(con, path, "maisons")
    got = con.execute("SELECT id_maison, code_departement, h_mardi, heures_hebdo, date_labellisation "
                      "FROM maisons_actifs ORDER BY 1").fetchall()
    con.close()
    # A1: 6 h on Monday and 2 h on Wednesday (no-break spaces read as spaces); A2: "9h12h/14h-17h" is 9 h-12 h and
    # 14 h-17 h; A3: "9h-12h sauf le 1er" has a time that pairs with none, it is not half-read.
    assert got == [("A1", "05", None, 8.0, dt.date(2020, 1, 1)), ("A2", "05", None, 6.0, dt.date(2021, 3, 15)),
                   ("A3", "2A", None, 4.0, None)]
    warnings = "\n".join(result.avertissements)
    assert "« h_mardi » : 2 valeur(s) illisible(s)" in warnings and "Sur RDV" in warnings
    assert "« labellisation » : 1 valeur(s) illisible(s)" in warnings
    assert "« h_mercredi » : 1 valeur(s) illisible(s)" in warnings and "9h-12h sauf le 1er" in warnings


@pytest.mark.parametrize("cell, month", [("2017-03-01 00:00:00", "2017-03"), ("mars 2017", "2017-03"),
                                         ("Mars", "2016-03"), ("03/2017", "2017-03"), ("janv.-17", "2017-01"),
                                         ("Déc. 2016", "2016-12"), ("42795", "2017-03"), ("Total", None),
                                         ("Thématique", None), ("13/2017", None)])
def test_month_header_spellings(cell, month):
    got = parse_month(cell, 2016)
    assert (got.strftime("%Y-%m") if got else None) == month


def test_registry_import_copy_is_unchanged_by_a_refused_file(registry_db, tmp_path):
    """A bad registry row refuses the file; the journal beside the store is the only file written."""
    db = tmp_path / "copie.duckdb"
    shutil.copy(registry_db, db)
    path = write_csv_fr(tmp_path / "l.csv", ["id_fs", "lib_fs", "insee_dep"], [["Z1", "Maison", "999"]])
    before = store_digest(db)
    run = cli("import", path, "--kind", "maisons", db=db)
    assert run.returncode == 1 and "code de département inconnu" in run.stderr
    assert store_digest(db) == before


def test_values_inside_a_list_cell_are_matched_one_by_one(tmp_path):
    header = ["id_maison", "nom", "code_departement", "Partenaires"]
    rows = [["M1", "Maison A", "48", "CAF; Assurance maladie; Mairie"], ["M2", "Maison B", "48", "Pôle emploi | CAF"],
            ["M3", "Maison C", "48", None]]
    path = write_xlsx(tmp_path / "registre.xlsx", header, rows)
    con = store.connect(tmp_path / "s.duckdb")
    insp = assistant.inspect(con, path.read_bytes(), path.name, "maisons")
    assert [(v.valeur, v.nombre, v.code) for v in insp.values["operateurs"]] == [("Mairie", 1, "autre")]
    import_file(con, path, "maisons", accept_suggestions=True)
    got = dict(con.execute("SELECT id_maison, list_sort(operateurs) FROM maisons_actifs").fetchall())
    con.close()
    assert got == {"M1": ["autre", "caf", "cpam"], "M2": ["caf", "pole_emploi"], "M3": None}


def test_departements_written_by_name_or_missing_are_read(registry_file, tmp_path):
    """« 01 - Ain », « Corse-du-Sud », « 5 »; and a list without département, deduced from the commune code."""
    rows = read_csv(registry_file)
    deps = {d: n for d, n in (line.split(",")[:2] for line in (ROOT / "msap_stats/ref/departements.csv")
                                                              .read_text("utf-8").splitlines()[1:])}
    sample = [r for r in rows if r["insee_dep"] in ("01", "2A", "05", "974")][:40]
    spelled = [f"{r['insee_dep']} - {deps[r['insee_dep']]}" if i % 3 == 0 else
               deps[r["insee_dep"]] if i % 3 == 1 else r["insee_dep"].lstrip("0") for i, r in enumerate(sample)]
    by_name = write_xlsx(tmp_path / "noms.xlsx", ["id_fs", "lib_fs", "Département"],
                         [[r["id_fs"], r["lib_fs"], d] for r, d in zip(sample, spelled)])
    no_dep = write_csv_fr(tmp_path / "sans_dep.csv", ["id_fs", "lib_fs", "insee_com"],
                          [[r["id_fs"], r["lib_fs"], r["insee_com"].lstrip("0")] for r in sample], errors="replace")
    for path in (by_name, no_dep):
        con = store.connect(tmp_path / f"{path.stem}.duckdb")
        result = import_file(con, path, "maisons")
        got = dict(con.execute("SELECT id_maison, code_departement FROM maisons_actifs").fetchall())
        con.close()
        assert got == {r["id_fs"]: r["insee_dep"] for r in sample}, path.name
    assert any("déduit du code INSEE de la commune" in w for w in result.avertissements)


def test_a_json_list_of_records_is_a_registry(registry_file, tmp_path):
    rows = read_csv(registry_file)[:30]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"data": [{"id_fs": r["id_fs"], "lib_fs": r["lib_fs"], "insee_dep": r["insee_dep"],
                                          "latitude": r["latitude"], "longitude": r["longitude"]} for r in rows]}),
                    "utf-8")
    con = store.connect(tmp_path / "s.duckdb")
    assert import_file(con, path, "maisons").lignes_chargees == 30
    con.close()


def _one_maison_workbook(path, title: str | None = None, sheets=("Activité",)):
    """A hand-kept workbook about one Maison: no Maison column; its title row or its sheets' names may name it."""
    wb = Workbook()
    for i, name in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        if title:
            ws.append([title])
        ws.append(["Thématique", "Mois", "Nombre de demandes"])
        ws.append(["Retraite", "2017-03", 4])
    wb.save(path)
    return path


@pytest.mark.parametrize("title, sheets", [
    ("MSAP Corrèze n°1 (MSAP-0199)", ("Activité",)),  # "n°1" is a number, not the identifier of site 1 (Ain)
    (None, ("Janvier", "Février", "Mars")),  # a month, not "France services de Ballon-Saint-Mars"
    ("Suivi — France services de Valserhône (Corrèze)", ("Activité",)),  # the site's name, in another département
    ("Maison n° 2", ("Activité",)),
], ids=["numero", "mois", "autre-departement", "numero-seul"])
def test_a_maison_is_never_guessed(registry_con, tmp_path, title, sheets):
    path = _one_maison_workbook(tmp_path / "activite.xlsx", title, sheets)
    insp = assistant.inspect(registry_con, path.read_bytes(), path.name, "activite", accept_suggestions=True)
    assert insp.needs_maison and insp.maison_proposal is None and insp.maison is None and not insp.ready
    assert any("choisissez la Maison" in p.raison for p in insp.unresolved)


@pytest.mark.parametrize("title", ["Activité 2017 — France services de Ballon-Saint-Mars", "Identifiant : 2878"])
def test_a_maison_is_proposed_from_its_name_and_commune_or_its_labelled_identifier(registry_con, tmp_path, title):
    path = _one_maison_workbook(tmp_path / "activite.xlsx", title, ("Janvier", "Mars"))
    insp = assistant.inspect(registry_con, path.read_bytes(), path.name, "activite", accept_suggestions=True)
    assert insp.maison_proposal.id_maison == "2878" and insp.maison == "2878" and insp.ready
    shown = assistant.inspect(registry_con, path.read_bytes(), path.name, "activite", accept_suggestions=True,
                              accept_maison=False)  # the page proposes it; the person chooses it
    assert shown.maison_proposal.id_maison == "2878" and shown.maison is None and not shown.ready


def test_a_file_dropped_as_another_kind_says_what_it_looks_like(registry_file, registry_con):
    data = registry_file.read_bytes()
    insp = assistant.inspect(registry_con, data, registry_file.name, "activite", accept_suggestions=True)
    assert insp.looks_like == "maisons" and not insp.ready
    first = insp.unresolved[0].raison
    assert first.startswith("ce fichier ressemble à un fichier « Registre des Maisons »") and "--kind maisons" in first
    right = assistant.inspect(registry_con, data, registry_file.name, "maisons", accept_suggestions=True, check=False)
    assert right.looks_like is None and not right.unresolved


def test_a_profile_keeps_what_the_person_left_out_not_what_one_file_s_values_did(con_registry, tmp_path):
    """A column the assistant left out for its values (« accompagnement » in a type column) is judged again on the
    next file of the same profile, whose values are right: it is imported. A column the person left out stays out
    with the profile, and the import says so and by what."""
    from msap_stats.intake.profiles import Choices

    header = ["id_maison", "mois", "thematique", "type_accompagnement", "nb"]

    def month(m: str, types: tuple[str, str]):
        return write_csv_fr(tmp_path / f"{m}.csv", header, [["1", m, "emploi", types[0], 3],
                                                           ["2", m, "retraite", types[1], 2]])

    first = import_file(con_registry, month("2017-01", ("accompagnement", "accompagnement")), "activite",
                        accept_suggestions=True, save_profile="Suivi")
    said = [w for w in first.avertissements if w.startswith("La colonne « type_accompagnement » n'est pas importée : "
                                                            "son nom est celui de la colonne « Type d'accompagnement »")]
    assert len(said) == 1 and "par exemple « accompagnement »" in said[0]
    assert not any(w.startswith("Colonnes du fichier ignorées") for w in first.avertissements)  # said once, with why
    assert "Profil de source « Suivi » enregistré pour les prochains fichiers aux mêmes en-têtes." in first.message()
    second = import_file(con_registry, month("2017-02", ("information", "aide_dossier")), "activite")
    assert not any("type_accompagnement" in w for w in second.avertissements)
    rows = con_registry.execute("SELECT mois, type_accompagnement, sum(nb) FROM activite_actifs WHERE mois >= "
                                "DATE '2017-01-01' GROUP BY ALL ORDER BY ALL").fetchall()
    assert [(str(m), t, n) for m, t, n in rows] == [("2017-01-01", None, 5), ("2017-02-01", "aide_dossier", 2),
                                                    ("2017-02-01", "information", 3)]
    assert [p for p, in con_registry.execute("SELECT profil FROM imports WHERE kind = 'activite' AND import_id > "
                                             "(SELECT max(import_id) - 2 FROM imports)").fetchall()] == ["Suivi"] * 2

    import_file(con_registry, month("2017-03", ("information", "information")), "activite",
                choices=Choices({"type_accompagnement": None}), save_profile="Sans type")
    fourth = import_file(con_registry, month("2017-04", ("information", "aide_dossier")), "activite",
                         profile="Sans type")
    assert any(w.startswith("La colonne « type_accompagnement » n'est pas importée par le profil de source « Sans "
                            "type », alors que l'assistant y reconnaît la colonne « Type d'accompagnement »")
               for w in fourth.avertissements)
    assert con_registry.execute("SELECT count(type_accompagnement) FROM activite_actifs WHERE mois >= "
                                "DATE '2017-03-01'").fetchall()[0][0] == 0


def test_an_identifier_written_in_another_case_is_proposed_as_the_registry_s(demo_db, tmp_path):
    """« msap-0001 » for the registry's « MSAP-0001 »: a probable proposal naming the Maison (applied when the
    suggestions are), never a silent match."""
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    con = store.connect(db)
    path = write_csv_fr(tmp_path / "a.csv", ["id_maison", "mois", "thematique", "nb"],
                        [["msap-0001", "2017-01", "emploi", 3], ["Msap 0002", "2017-01", "retraite", 2]])
    with pytest.raises(ImportRefused) as refused:
        import_file(con, path, "activite")
    assert "identifiant « MSAP-0001 » du registre, écrit autrement (majuscules, espaces ou tirets)" in str(
        refused.value)
    result = import_file(con, path, "activite", accept_suggestions=True)
    stored = con.execute("SELECT id_maison, nb FROM activite WHERE import_id = ? ORDER BY 1",
                         [result.import_id]).fetchall()
    con.close()
    assert stored == [("MSAP-0001", 3), ("MSAP-0002", 2)]


def test_months_written_by_their_name_are_read(con_registry, tmp_path):
    """« mai 2016 », « Mai-16 », « janv. 2017 », « août 2016 » in a month column: the months they name. A month
    without its year stays refused, with the ways a month may be written."""
    header = ["id_maison", "mois", "thematique", "nb"]
    written = {"mai 2016": "2016-05-01", "Mai-16": "2016-05-01", "janv. 2017": "2017-01-01", "août 2016": "2016-08-01",
               "Décembre 16": "2016-12-01", "févr.-2017": "2017-02-01"}
    path = write_csv_fr(tmp_path / "a.csv", header, [["1", m, "emploi", i + 1] for i, m in enumerate(written)])
    result = import_file(con_registry, path, "activite")
    stored = con_registry.execute("SELECT ligne, mois FROM activite WHERE import_id = ? ORDER BY ligne",
                                  [result.import_id]).fetchall()
    assert [str(m) for _, m in stored] == list(written.values())
    alone = write_csv_fr(tmp_path / "b.csv", header, [["1", "mai", "emploi", 1]])
    with pytest.raises(ImportRefused, match=r"mois illisible \(attendu AAAA-MM, MM/AAAA ou « mai 2016 »\)"):
        import_file(con_registry, alone, "activite")


def test_a_header_known_by_another_name_is_not_said_identical():
    """« Identifiant Maison » is a name the project knows for id_maison, not its name: the reason shown says so;
    « Nb » (spelling aside) and the column's label are its name."""
    from msap_stats.intake.matching import propose_columns
    from msap_stats.schema import KINDS

    kind = KINDS["activite"]
    why = {m.fichier: (m.colonne, m.raison) for m in propose_columns(
        kind, ["Identifiant Maison", "Nb", kind.column("thematique").label], {})}
    assert why["Identifiant Maison"] == ("id_maison", "nom connu pour cette colonne")
    assert why["Nb"] == ("nb", "nom identique")
    assert why[kind.column("thematique").label] == ("thematique", "nom identique")
