"""The schema is one source of truth: headers, codes and values are read as it says."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from msap_stats import store
from msap_stats.intake.importer import import_file
from msap_stats.schema import KINDS, normalize_key, sql_normalize
from msap_stats.schema import code_keys_conflicts, header_keys_conflicts
from tests.spreadsheets import write_csv_fr, write_xlsx


@pytest.mark.parametrize("spelling", ["ID Maison", "id-maison", "Id maison", "id_maison", " ID  MAISON ", "Id.Maison"])
def test_header_spellings_are_the_same_column(spelling):
    assert normalize_key(spelling) == normalize_key("id_maison") == "idmaison"


def test_tranche_age_with_accent():
    assert normalize_key("Tranche âge") == normalize_key("tranche_age")


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_header_spelling_is_claimed_by_two_columns(kind):
    assert header_keys_conflicts(KINDS[kind]) == {}


def test_every_code_and_label_is_recognised_by_the_sql_normaliser():
    """Python builds the lookup, DuckDB normalises the cells: both must agree on every spelling."""
    con = duckdb.connect()
    for kind in KINDS.values():
        for col in kind.columns:
            assert code_keys_conflicts(col) == {}, (kind.name, col.name)
            for code in col.codes:
                for spelling in (code.code, code.label, code.label.upper(), *code.aliases):
                    got = con.execute(f"SELECT {sql_normalize('?')}", [spelling]).fetchall()[0][0]
                    assert col.code_map().get(got) == code.code, (col.name, spelling)


BOOLEAN_SPELLINGS = [("Oui", True), ("non", False), ("OUI", True), ("NON", False), ("1", True), ("0", False),
                     ("Vrai", True), ("Faux", False), ("TRUE", True), ("FALSE", False), ("o", True), ("n", False)]


def test_values_in_every_accepted_spelling(con_registry, tmp_path):
    """Dates (real, serial, dd/mm/yyyy, ISO), booleans, codes with or without accents, decimal commas."""
    header = ["id_reponse", "date_reponse", "id_maison", "poids", "motif_aide_dossier", "motif_renseignement",
              "motif_outils_libre_acces", "motif_demarche_en_ligne", "satisfaction_accueil", "simplifie_quotidien",
              "attente_principale", "tranche_age"]
    dates = [dt.date(2016, 11, 3), 42677, "03/11/2016", "2016-11-03", "3/11/16", dt.datetime(2016, 11, 3, 10, 30)]
    codes = ["Très satisfait", "TRES SATISFAIT", "tres satisfait", "tres_satisfait", "1", "très-satisfait"]
    attentes = ["Emploi, formation", "emploi", "EMPLOI FORMATION", "Santé, assurance maladie", "sante", "SANTE"]
    rows = []
    for i, (spelling, _) in enumerate(BOOLEAN_SPELLINGS):
        rows.append([f"R{i}", dates[i % len(dates)], "1", "1,5" if i % 2 else 1.5, spelling, spelling, "Non", "Non",
                     codes[i % len(codes)], spelling, attentes[i % len(attentes)], "25-39 ans"])
    path = write_xlsx(tmp_path / "u.xlsx", header, rows)
    import_file(con_registry, path, "usagers")
    got = con_registry.execute("SELECT id_reponse, date_reponse, poids, motif_aide_dossier, satisfaction_accueil, "
                               "attente_principale, tranche_age FROM usagers_actifs ORDER BY ligne").fetchall()
    assert [g[3] for g in got] == [v for _, v in BOOLEAN_SPELLINGS]
    assert {g[1] for g in got} == {dt.date(2016, 11, 3)}
    assert {g[2] for g in got} == {1.5}
    assert {g[4] for g in got} == {"tres_satisfait"}
    assert [g[5] for g in got] == [("emploi" if i % 6 < 3 else "sante") for i in range(len(rows))]
    assert {g[6] for g in got} == {"25_39"}


def test_x_and_blank_mean_yes_and_no_but_blank_is_no_answer_in_oui_non_columns(con_registry, tmp_path):
    header = ["id_reponse", "date_reponse", "id_maison", "motif_aide_dossier", "motif_renseignement",
              "motif_outils_libre_acces", "motif_demarche_en_ligne", "satisfaction_accueil", "simplifie_quotidien"]
    rows = [["A", "01/12/2016", "1", "x", None, "X", None, "2", "Oui"],
            ["B", "01/12/2016", "1", None, "x", None, None, None, None],
            ["C", "01/12/2016", "1", None, None, "x", None, "4", "Non"]]
    path = write_csv_fr(tmp_path / "u.csv", header, rows)
    import_file(con_registry, path, "usagers")
    got = con_registry.execute("SELECT motif_aide_dossier, motif_renseignement, motif_outils_libre_acces, "
                               "motif_demarche_en_ligne, satisfaction_accueil, simplifie_quotidien "
                               "FROM usagers_actifs ORDER BY id_reponse").fetchall()
    # The four motives are one x/blank question: a box nobody ticked (démarche en ligne) is No for everyone.
    assert got == [(True, False, True, False, "plutot_satisfait", True),
                   (False, True, False, False, None, None),
                   (False, False, True, False, "pas_du_tout_satisfait", False)]


def test_title_rows_up_to_five_and_leading_zeros_restored(tmp_path):
    header = ["Identifiant", "Nom", "Département", "Commune (code INSEE)", "Latitude", "Longitude", "Horaires du lundi"]
    rows = [["X1", "Maison test", 1, 1033, "46,1", "5,8", "9h-12h / 14h - 17h30"],
            ["X2", "Maison corse", "2a", "2A004", None, None, "fermé"]]
    titles = [["Registre des Maisons"], [], ["Région Auvergne-Rhône-Alpes"], [], ["Mise à jour : 2017"]]
    path = write_xlsx(tmp_path / "registre.xlsx", header, rows, titles)
    con = store.connect(tmp_path / "s.duckdb")
    result = import_file(con, path, "maisons")
    got = con.execute("SELECT id_maison, code_departement, code_commune, latitude, heures_hebdo, ligne "
                      "FROM maisons_actifs ORDER BY 1").fetchall()
    con.close()
    assert result.lignes_chargees == 2
    assert got == [("X1", "01", "01033", 46.1, 6.5, 7), ("X2", "2A", "2A004", None, None, 8)]


def test_header_is_looked_for_in_the_first_twelve_rows(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    ten = write_xlsx(tmp_path / "r10.xlsx", ["id_maison", "nom", "code_departement"], [["1", "a", "01"]],
                     [["titre"]] * 10)
    assert import_file(con, ten, "maisons").lignes_chargees == 1
    twelve = write_xlsx(tmp_path / "r12.xlsx", ["id_maison", "nom", "code_departement"], [["2", "b", "02"]],
                        [["titre"]] * 12)
    with pytest.raises(Exception, match="aucune ligne d'en-tête reconnue dans les premières lignes"):
        import_file(con, twelve, "maisons")
    con.close()


@pytest.mark.parametrize("sep, encoding", [(",", "utf-8-sig"), ("\t", "utf-8"), (";", "cp1252")])
def test_csv_separators_and_encodings(tmp_path, sep, encoding):
    header = ["id_maison", "nom", "code_departement", "latitude"]
    rows = [["1", "Maison de l'Hérault", "34", 43.5], ["2", "Maison « Œuvre »", "2B", 42.1]]
    path = write_csv_fr(tmp_path / "r.csv", header, rows, sep=sep, encoding=encoding)
    con = store.connect(tmp_path / "s.duckdb")
    import_file(con, path, "maisons")
    got = con.execute("SELECT nom, latitude FROM maisons_actifs ORDER BY id_maison").fetchall()
    con.close()
    assert got == [("Maison de l'Hérault", 43.5), ("Maison « Œuvre »", 42.1)]


def test_workbook_with_a_notes_sheet_first(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", ["id_maison", "nom", "code_departement"], [["1", "a", "01"]],
                      extra_sheets={"Notes": [["Ce classeur contient le registre"], ["voir feuille suivante"]]})
    con = store.connect(tmp_path / "s.duckdb")
    result = import_file(con, path, "maisons")
    sheet = con.execute("SELECT feuille, ligne_entete FROM imports").fetchall()[0]
    con.close()
    assert result.lignes_chargees == 1 and sheet == ("Données", 1)
