"""The "Importer des données" page through Streamlit's AppTest, on a copy of the store holding the real registry."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from msap_stats import store
from tests.spreadsheets import write_csv_fr, write_xlsx
from tests.ui.test_pages import app, ok

HEADER = ["Code MSAP", "Période", "Thème", "Opérateur sollicité", "Nombre"]


def activity_rows(months=("2017-01", "2017-02")):
    rows = []
    for m in months:
        rows += [["1", m, "Emploi", "Pôle emploi", 4], ["2", m, "Démarches diverses", "Mairie", 2],
                 ["3", m, "Retraite", "CARSAT", 1]]
    return rows


def importer(db, monkeypatch):
    at = app(db, monkeypatch)
    at.switch_page("pages/importer.py").run()
    ok(at)
    at.selectbox(key="imp_kind").set_value("activite").run()
    return at


def drop(at, path) -> None:
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "application/octet-stream")).run()
    ok(at)


def select(at, label: str):
    return next(s for s in at.selectbox if s.label == label)


def button(at, start: str):
    return next(b for b in at.button if b.label.startswith(start))


MAISON_QUESTION = "Ce fichier n'a pas de colonne Maison : de quelle Maison s'agit-il ?"


def choose_proposed_maison(at, id_maison: str) -> None:
    """The Maison is proposed, never chosen for the person: nothing is ready to import until they choose it."""
    box = select(at, MAISON_QUESTION)
    assert box.value is None and not any(b.label.startswith("Importer ") for b in at.button)
    assert any(f"Proposée d'après le fichier : {id_maison} — " in c.value for c in at.caption)
    box.set_value(next(o for o in box.options if o.startswith(f"{id_maison} — "))).run()
    ok(at)


def counts(db) -> tuple:
    con = store.connect(db, read_only=True)  # as the app reads it
    try:
        return con.execute("SELECT (SELECT count(*) FROM activite_actifs), (SELECT coalesce(sum(nb), 0) FROM "
                           "activite_actifs), (SELECT count(*) FROM imports), (SELECT count(*) FROM profils)"
                           ).fetchall()[0]
    finally:
        con.close()


def test_drop_edit_a_column_and_a_value_then_confirm(registry_copy, monkeypatch, tmp_path):
    path = write_xlsx(tmp_path / "activite.xlsx", HEADER, activity_rows())
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    markdown = "\n".join(m.value for m in at.markdown)
    assert "Mise en page détectée" in markdown
    # The operator column is not recognised: say which project column it is.
    assert select(at, "Colonne du projet pour « Opérateur sollicité »").value == "(ignorer cette colonne)"
    select(at, "Colonne du projet pour « Opérateur sollicité »").set_value("Opérateur").run()
    ok(at)
    # "Mairie" has no operator code: "Autre" is only suggested, the person chooses; "Démarches diverses" too.
    assert select(at, "Code pour « Mairie »").value == "(à choisir)"
    assert not [b for b in at.button if b.label.startswith("Importer")]
    assert "« Autre » proposé" in "\n".join(m.value for m in at.markdown).replace("\\", "")
    select(at, "Code pour « Mairie »").set_value("Autre").run()
    select(at, "Code pour « Démarches diverses »").set_value("Papiers d'identité, permis, carte grise").run()
    ok(at)
    assert any("Prêt à importer" in s.value and "6" in s.value for s in at.success)
    before = counts(registry_copy)
    button(at, "Importer").click().run()
    ok(at)
    after = counts(registry_copy)
    assert after[:3] == (before[0] + 6, before[1] + 14, before[2] + 1)
    con = store.connect(registry_copy, read_only=True)
    themes = dict(con.execute("SELECT thematique, sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    operators = dict(con.execute("SELECT operateur, sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    con.close()
    assert themes == {"emploi": 8, "papiers": 4, "retraite": 2}
    assert operators == {"pole_emploi": 8, "autre": 4, "carsat": 2}
    assert any("Import n°2" in s.value for s in at.success)
    assert not at.file_uploader[0].value  # a new, empty drop zone: the bytes are not kept


def test_a_bad_file_shows_every_problem_and_changes_nothing(registry_copy, monkeypatch, tmp_path):
    rows = [["1", "2017-01", "emploi", "CAF", -i] for i in range(1, 31)] + [["999999", "2017-01", "emploi", "CAF", 1]]
    path = write_csv_fr(tmp_path / "mauvais.csv", ["id_maison", "mois", "thematique", "operateur", "nb"], rows)
    at = importer(registry_copy, monkeypatch)
    before = counts(registry_copy)
    drop(at, path)
    errors = "\n".join(e.value for e in at.error)
    assert "31 problème(s)" in errors
    status = at.status[0]  # read and checked, but not « lu et vérifié » with a tick: its rows are refused
    assert status.label == "« mauvais\\.csv » lu et vérifié : 31 problème(s) à corriger avant l'import"
    assert status.state == "error"
    markdown = "\n".join(m.value for m in at.markdown)
    assert "30 ×" in markdown and "Maison inconnue du registre" in markdown
    assert not [b for b in at.button if b.label.startswith("Importer")]
    at.run()
    assert counts(registry_copy) == before


def test_the_same_file_twice_loads_nothing(registry_copy, monkeypatch, tmp_path):
    path = write_xlsx(tmp_path / "activite.xlsx", ["id_maison", "mois", "thematique", "nb"],
                      [["1", "2017-03", "emploi", 3], ["2", "2017-03", "retraite", 1]])
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    button(at, "Importer").click().run()
    ok(at)
    loaded = counts(registry_copy)
    drop(at, path)
    assert any("déjà chargées" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Importer")]
    assert counts(registry_copy) == loaded


def import_a_first_month(db, monkeypatch, path, month: str):
    """A coordinator's first monthly file: the operator column and two values chosen by hand, then imported."""
    write_xlsx(path, HEADER, activity_rows((month,)))
    at = importer(db, monkeypatch)
    drop(at, path)
    select(at, "Colonne du projet pour « Opérateur sollicité »").set_value("Opérateur").run()
    select(at, "Code pour « Mairie »").set_value("Autre").run()
    select(at, "Code pour « Démarches diverses »").set_value("Autre").run()
    button(at, "Importer").click().run()
    ok(at)
    return at


def test_the_profile_is_proposed_for_the_next_file_and_imports_it_in_one_click(registry_copy, monkeypatch, tmp_path):
    at = import_a_first_month(registry_copy, monkeypatch, tmp_path / "janvier.xlsx", "2017-01")
    second = write_xlsx(tmp_path / "fevrier.xlsx", HEADER, activity_rows(("2017-02",)))
    assert counts(registry_copy)[3] == 1  # the profile was saved with the import
    drop(at, second)
    assert select(at, "Profil de source").value == "Activité (demandes traitées) – janvier"
    assert any("appliqué" in i.value for i in at.info)
    before = counts(registry_copy)
    button(at, "Importer").click().run()  # the one click
    ok(at)
    after = counts(registry_copy)
    assert after[:2] == (before[0] + 3, before[1] + 7)
    con = store.connect(registry_copy, read_only=True)
    operators = con.execute("SELECT count(*) FROM activite_actifs WHERE operateur IS NULL").fetchall()[0][0]
    profile = con.execute("SELECT profil FROM imports ORDER BY import_id DESC LIMIT 1").fetchall()[0][0]
    con.close()
    assert operators == 0  # the operator column chosen for the first file applies to the second
    assert profile == "Activité (demandes traitées) – janvier"


def test_rollback_from_the_history_asks_first(registry_copy, monkeypatch, tmp_path):
    path = write_xlsx(tmp_path / "activite.xlsx", ["id_maison", "mois", "thematique", "nb"],
                      [["1", "2017-04", "emploi", 5]])
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    button(at, "Importer").click().run()
    loaded = counts(registry_copy)
    assert loaded[1] == 5
    at.selectbox(key="imp_annuler").set_value(2).run()
    button(at, "Annuler cet import").click().run()
    assert counts(registry_copy) == loaded  # nothing yet: the page asks
    assert any("Annuler l'import" in w.value for w in at.warning)
    button(at, "Oui, annuler").click().run()
    ok(at)
    assert counts(registry_copy)[:2] == (0, 0)
    assert any("annulé" in s.value for s in at.success)


def test_refused_attempts_are_listed_from_their_journal(registry_copy, monkeypatch, tmp_path):
    path = write_xlsx(tmp_path / "vide.xlsx", ["id_maison", "mois", "thematique", "nb"], [])
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    assert "aucune ligne de données sous son en-tête (ligne 1)" in "\n".join(e.value for e in at.error)
    assert not [b for b in at.button if b.label.startswith("Importer")]
    journal = registry_copy.with_name(registry_copy.stem + ".refus.jsonl")
    entry = json.loads(journal.read_text("utf-8").splitlines()[-1])
    assert entry["fichier"] == "vide.xlsx"
    at.run()
    tables = [d.value for d in at.dataframe]
    assert any("Fichier" in t.columns and "vide.xlsx" in list(t["Fichier"]) for t in tables)


@pytest.mark.parametrize("name", ["<img src=x onerror=alert(1)>.csv", "=HYPERLINK(\"http://x\").csv"])
def test_file_names_and_cells_are_shown_as_text(registry_copy, monkeypatch, tmp_path, name):
    path = write_csv_fr(tmp_path / "f.csv", ["id_maison", "mois", "thematique", "nb"],
                        [["1", "2017-05", "<b>gras</b>", 1]])
    at = importer(registry_copy, monkeypatch)
    at.file_uploader[0].set_value((name, path.read_bytes(), "text/csv")).run()
    ok(at)
    shown = "\n".join([m.value for m in at.markdown] + [e.value for e in at.error] + [h.value for h in at.html])
    assert "<b>gras</b>" not in shown and "<img" not in shown


def test_the_kind_s_template_is_downloadable_from_the_page(registry_copy, monkeypatch):
    at = importer(registry_copy, monkeypatch)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger le modèle (.xlsx)" in labels


def test_one_project_column_chosen_twice_must_be_resolved(registry_copy, monkeypatch, tmp_path):
    path = write_xlsx(tmp_path / "activite.xlsx", HEADER, activity_rows())
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    select(at, "Colonne du projet pour « Opérateur sollicité »").set_value("Thématique").run()
    ok(at)
    assert "sont toutes deux données pour « thematique »" in "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert not [b for b in at.button if b.label.startswith("Importer")]


def test_with_a_saved_profile_the_first_change_counts(registry_copy, monkeypatch, tmp_path):
    """A profile found for the file must not swallow the person's first edit."""
    at = import_a_first_month(registry_copy, monkeypatch, tmp_path / "mars.xlsx", "2017-03")
    second = write_xlsx(tmp_path / "avril.xlsx", HEADER, activity_rows(("2017-04",)))
    drop(at, second)
    assert select(at, "Colonne du projet pour « Opérateur sollicité »").value == "Opérateur"  # from the profile
    select(at, "Colonne du projet pour « Opérateur sollicité »").set_value("(ignorer cette colonne)").run()
    ok(at)
    assert select(at, "Colonne du projet pour « Opérateur sollicité »").value == "(ignorer cette colonne)"
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("imp_replace_"))).check().run()
    assert not button(at, "Importer").disabled
    button(at, "Importer").click().run()
    ok(at)
    con = store.connect(registry_copy, read_only=True)
    april = con.execute("SELECT count(*), count(operateur) FROM activite_actifs WHERE mois = DATE '2017-04-01'"
                        ).fetchall()[0]
    con.close()
    assert april == (3, 0)  # the operator column was ignored, as chosen


def test_several_files_dropped_are_imported_one_after_the_other(registry_copy, monkeypatch, tmp_path):
    header = ["id_maison", "mois", "thematique", "nb"]
    a = write_xlsx(tmp_path / "a.xlsx", header, [["1", "2017-06", "emploi", 2]])
    b = write_csv_fr(tmp_path / "b.csv", header, [["2", "2017-06", "retraite", 5]])
    at = importer(registry_copy, monkeypatch)
    at.file_uploader[0].set_value([(p.name, p.read_bytes(), "application/octet-stream") for p in (a, b)]).run()
    ok(at)
    assert at.radio[0].options == ["a.xlsx", "b.csv"]
    button(at, "Importer").click().run()
    ok(at)
    assert counts(registry_copy)[1] == 2
    assert len(at.file_uploader[0].value) == 2  # the other file is still there
    at.radio[0].set_value(1).run()
    button(at, "Importer").click().run()
    ok(at)
    assert counts(registry_copy)[1] == 7


def test_a_profile_never_carries_a_maison_over_to_another_maison_s_file(registry_copy, monkeypatch, tmp_path):
    from tests.intake.test_assistant import COORDINATOR_ROWS, _wide_workbook

    months = [dt.date(2017, m, 1) for m in range(1, 5)]
    first = _wide_workbook(tmp_path / "valserhone.xlsx", months, COORDINATOR_ROWS,
                           maison_title="Activité — France services de Valserhône")
    other = _wide_workbook(tmp_path / "saint_trivier.xlsx", months, COORDINATOR_ROWS,
                           maison_title="Activité — France services La Poste de Saint-Trivier-de-Courtes")
    at = importer(registry_copy, monkeypatch)
    drop(at, first)
    choose_proposed_maison(at, "1")
    button(at, "Importer").click().run()
    ok(at)
    assert any("pour la Maison 1 « France services de Valserhône »" in s.value for s in at.success)
    drop(at, other)
    assert any("appliqué" in i.value for i in at.info)  # the profile of the first file
    choose_proposed_maison(at, "2")
    assert not at.warning or not any("déjà couverts" in w.value for w in at.warning)
    button(at, "Importer").click().run()
    con = store.connect(registry_copy, read_only=True)
    per_maison = dict(con.execute("SELECT id_maison, sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    con.close()
    assert per_maison["1"] == per_maison["2"] > 0


def test_the_journal_of_refusals_keeps_refusals_not_the_assistant_s_questions(registry_copy, monkeypatch, tmp_path):
    from tests.intake.test_assistant import _one_maison_workbook

    path = _one_maison_workbook(tmp_path / "activite.xlsx", "Activité 2017 — France services de Ballon-Saint-Mars")
    at = importer(registry_copy, monkeypatch)
    drop(at, path)  # a question: which Maison (proposed, not chosen)
    choose_proposed_maison(at, "2878")
    button(at, "Importer").click().run()
    ok(at)
    assert any("pour la Maison 2878 « France services de Ballon-Saint-Mars »" in s.value.replace("\\", "")
               for s in at.success)
    journal = registry_copy.with_name(registry_copy.stem + ".refus.jsonl")
    assert not journal.exists() or "activite.xlsx" not in journal.read_text("utf-8")


def test_a_registry_dropped_as_activity_is_offered_as_a_registry(registry_copy, monkeypatch, tmp_path):
    path = write_csv_fr(tmp_path / "liste.csv", ["id_fs", "lib_fs", "insee_dep", "lib_com"],
                        [["N1", "France services de Nouvelle", "48", "Mende"], ["N2", "France services Autre", "48", "Florac"]])
    at = importer(registry_copy, monkeypatch)
    select(at, "Type de fichier").set_value("activite").run()
    drop(at, path)
    assert any("ressemble à un fichier « Registre des Maisons »" in w.value for w in at.warning)
    assert not any(b.label.startswith("Importer 2") for b in at.button)
    button(at, "Importer comme « Registre des Maisons »").click().run()
    ok(at)
    assert select(at, "Type de fichier").value == "maisons"
    assert any("Prêt à importer" in s.value for s in at.success)


def test_a_maison_column_of_the_file_s_own_names_is_matched_to_the_registry_on_the_page(registry_copy, monkeypatch,
                                                                                       tmp_path):
    path = write_csv_fr(tmp_path / "suivi.csv", ["Maison", "Mois", "Thématique", "Nb"],
                        [["MSAP de Ballon-Saint-Mars", "2017-01", "Retraite", 3], ["MSAP-0199", "2017-01", "Emploi", 2]])
    at = importer(registry_copy, monkeypatch)
    select(at, "Type de fichier").set_value("activite").run()
    drop(at, path)
    assert select(at, "Code pour « MSAP de Ballon-Saint-Mars »").value.startswith("2878 — ")  # probable, pre-filled
    box = select(at, "Code pour « MSAP-0199 »")
    assert box.value == "(à choisir)"  # nothing guessed
    box.set_value(next(o for o in box.options if o.startswith("1 — "))).run()
    ok(at)
    button(at, "Importer").click().run()
    ok(at)
    con = store.connect(registry_copy, read_only=True)
    per_maison = dict(con.execute("SELECT id_maison, sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    con.close()
    assert per_maison == {"2878": 3, "1": 2}


def test_a_registry_is_a_dated_version_said_before_confirming(registry_copy, monkeypatch, tmp_path):
    """The 2022 list dropped on the 2024 one: dated by its name, said to be a past version; its date can be
    corrected, and what the list then does to the network is said again; imported, the network in force is the
    2024 list."""
    from tests.conftest import SHARED
    older = SHARED / "liste-fs-20221201.csv"
    if not older.exists():
        pytest.skip("liste de 2022 absente")
    at = importer(registry_copy, monkeypatch)
    at.selectbox(key="imp_kind").set_value("maisons").run()
    drop(at, older)
    select(at, "Colonne du projet pour « format_fs »").set_value("Type de site").run()
    ok(at)
    date = next(d for d in at.date_input if d.label == "Date de cette version du registre")
    assert date.value == dt.date(2022, 12, 1)
    assert any("antérieure au réseau en vigueur" in i.value for i in at.info)
    assert not [c for c in at.checkbox if c.label.startswith("Remplacer")]  # no keys to replace: a version
    date.set_value(dt.date(2025, 1, 1)).run()
    ok(at)
    said = "\n".join(w.value for w in at.warning).replace("\\", "")
    assert "01/01/2025 (date donnée à l'import)" in said and "n'y figurent plus" in said
    date = next(d for d in at.date_input if d.label == "Date de cette version du registre")
    date.set_value(dt.date(2022, 12, 1)).run()
    button(at, "Importer").click().run()
    ok(at)
    history = "\n".join(d.value.to_string() for d in at.dataframe)
    assert "version du 01/12/2022, passée" in history and "version du 01/08/2024)" in history
    con = store.connect(registry_copy, read_only=True)
    try:
        assert store.row_counts(con)["maisons"] == 2845
        assert con.execute("SELECT date_version FROM versions_registre ORDER BY import_id").fetchall()[-1][0] \
            == dt.date(2022, 12, 1)
    finally:
        con.close()


def test_a_bus_stops_dropped_as_a_registry_are_offered_as_its_stops(registry_copy, monkeypatch, tmp_path):
    """The page says what the file is (the bus's stops, not new Maisons), switches kind in one click, proposes the
    bus, has it chosen, and loads the stops: the network still counts 2 845 Maisons."""
    from tests.intake.test_stops import BUS, STOPS, stops_geojson
    path = tmp_path / "emmabus.geojson"
    stops_geojson(path)
    at = importer(registry_copy, monkeypatch)
    at.selectbox(key="imp_kind").set_value("maisons").run()
    drop(at, path)
    assert any("ce sont ses arrêts" in e.value for e in [*at.markdown, *at.error])
    assert not [b for b in at.button if b.label.startswith("Importer ") and "ligne" in b.label]
    button(at, "Importer comme « Arrêts des Maisons itinérantes »").click().run()
    ok(at)
    drop(at, path)
    box = select(at, MAISON_QUESTION)
    id_bus = next(o for o in box.options if BUS in o).split(" — ")[0]
    choose_proposed_maison(at, id_bus)
    button(at, "Importer").click().run()
    ok(at)
    con = store.connect(registry_copy, read_only=True)
    try:
        assert store.row_counts(con)["maisons"] == 2845 and store.row_counts(con)["arrets"] == len(STOPS)
    finally:
        con.close()


@pytest.mark.parametrize("make", ["far_cell", "lying_shared_strings"])
def test_a_workbook_that_aborts_the_parser_is_refused_and_the_server_serves_on(registry_copy, monkeypatch, tmp_path,
                                                                              make):
    """Parsed in this process, these 2 KB workbooks end it (SIGABRT): through the page, a French refusal in the
    journal, the store unchanged, and the next session is served."""
    from msap_stats.intake import journal
    from tests import hostile
    from tests.conftest import store_digest
    path = getattr(hostile, make)(tmp_path / "activite.xlsx")
    before = store_digest(registry_copy)
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    assert any("une cellule en XFD1048576" in e.value or "textes partagés" in e.value for e in at.error)
    assert store_digest(registry_copy) == before
    con = store.connect(registry_copy, read_only=True)
    try:
        assert journal.refusals(con)[0]["fichier"] == "activite.xlsx"
    finally:
        con.close()
    other = importer(registry_copy, monkeypatch)  # a second session, after the hostile upload
    drop(other, write_xlsx(tmp_path / "bon.xlsx", ["id_maison", "mois", "thematique", "nb"],
                           [["1", "2017-03", "emploi", 3]]))
    assert any(s.value.startswith("Prêt à importer") for s in other.success)


def test_a_file_refused_at_its_reading_says_so_in_its_status_and_lists_its_problem(registry_copy, monkeypatch,
                                                                                    tmp_path):
    """The status box of the reading ends on the refusal (not on « Lecture et vérification… »), and the refusal's
    problem is an item of a list, its text escaped, not an inline « - »."""
    path = tmp_path / "activite_*mars*.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    at = importer(registry_copy, monkeypatch)
    drop(at, path)
    status, shown = at.status[0], "activite\\_\\*mars\\*\\.xlsx"  # the name escaped: never markup
    assert status.label == f"« {shown} » refusé : rien n'a été enregistré" and status.state == "error"
    error = at.error[0].value
    assert error.startswith(f"Le fichier « {shown} » est refusé \\(1 problème\\)")
    assert "\n\n- " in error and " \\- " not in error


def test_a_file_with_a_header_and_no_row_ends_its_status_on_nothing_to_import(registry_copy, monkeypatch, tmp_path):
    """A header without rows is no correspondence to fix: the status box does not say « lu et vérifié » in green,
    and the message asks for rows, not for another mapping."""
    from tests.conftest import store_digest

    before = store_digest(registry_copy)
    at = importer(registry_copy, monkeypatch)
    drop(at, write_csv_fr(tmp_path / "entete.csv", ["id_maison", "mois", "thematique", "nb"], []))
    status = at.status[0]
    assert status.label == "« entete\\.csv » lu : aucune ligne de données, rien à importer" and status.state == "error"
    assert [e.value for e in at.error] == ["Le fichier n'a aucune ligne de données sous son en-tête (ligne 1) : "
                                           "complétez-le ; rien n'a été enregistré."]  # said once, nothing to fix
    assert not [b for b in at.get("download_button") if b.label.startswith("Télécharger la liste complète")]
    assert store_digest(registry_copy) == before
