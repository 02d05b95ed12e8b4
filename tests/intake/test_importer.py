"""Import rules: nothing lost, nothing half-written, everything recorded and reversible."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from msap_stats import store
from msap_stats.errors import ImportRefused
from msap_stats.intake import assistant
from msap_stats.intake.importer import import_file, import_inspection, rollback
from msap_stats.indicators import Filters, activity_total
from msap_stats.store import StoreError
from tests.conftest import ROOT, store_digest
from tests.spreadsheets import write_csv_fr, write_xlsx

HEADER = ["ID Maison", "Mois", "Thématique", "Type d'accompagnement", "Nb"]


def months_rows(maisons, months, nb=3, theme="Emploi, formation"):
    return [[m, mo, theme, "Information, renseignement", nb] for m in maisons for mo in months]


def test_same_file_twice_writes_nothing_and_names_the_first_import(con_registry, tmp_path):
    path = write_xlsx(tmp_path / "act.xlsx", HEADER, months_rows(["1", "2"], ["2016-01", "2016-02"]))
    first = import_file(con_registry, path, "activite", auteur="coordinatrice ARA")
    second = import_file(con_registry, path, "activite")
    assert first.statut == "chargé" and first.lignes_chargees == 4
    assert second.already and second.import_existant["import_id"] == first.import_id
    assert f"import n°{first.import_id}" in second.message() and "Rien n'a été écrit" in second.message()
    assert con_registry.execute("SELECT count(*) FROM imports WHERE kind = 'activite'").fetchall()[0][0] == 1
    record = con_registry.execute(
        "SELECT kind, fichier, sha256, auteur, lignes_lues, lignes_chargees, statut FROM imports "
        "WHERE import_id = ?", [first.import_id]).fetchall()[0]
    assert record == ("activite", "act.xlsx", hashlib.sha256(path.read_bytes()).hexdigest(), "coordinatrice ARA",
                      4, 4, "chargé")


def test_same_content_in_another_format_is_recognised(con_registry, tmp_path):
    rows = months_rows(["1", "2", "3"], ["2016-03"])
    csv_path = write_csv_fr(tmp_path / "act.csv", HEADER, rows)
    xlsx_path = write_xlsx(tmp_path / "act.xlsx", HEADER, rows, title_rows=[["Activité mars 2016"]])
    first = import_file(con_registry, csv_path, "activite")
    again = import_file(con_registry, xlsx_path, "activite")
    assert again.already and again.import_existant["import_id"] == first.import_id


def test_months_already_covered_are_refused_naming_the_import_then_replaced_and_rolled_back(con_registry, tmp_path):
    a = write_xlsx(tmp_path / "janvier_juin.xlsx", HEADER,
                   months_rows(["1", "2"], [f"2016-{m:02d}" for m in range(1, 7)], nb=2))
    b = write_xlsx(tmp_path / "juin_corrige.xlsx", HEADER, months_rows(["2"], ["2016-06"], nb=10)
                   + months_rows(["3"], ["2016-06"], nb=1))
    first = import_file(con_registry, a, "activite")
    assert activity_total(con_registry, Filters()) == 2 * 6 * 2

    with pytest.raises(ImportRefused) as refused:
        import_file(con_registry, b, "activite")
    report = str(refused.value)
    assert f"l'import n°{first.import_id} (« janvier_juin.xlsx »" in report
    assert "1 couple Maison-mois (mois 2016-06 ; Maison 2) est déjà couvert" in report and "--replace" in report
    assert activity_total(con_registry, Filters()) == 24

    second = import_file(con_registry, b, "activite", replace=True)
    assert second.lignes_remplacees == 1
    assert activity_total(con_registry, Filters()) == 24 - 2 + 10 + 1
    kept = con_registry.execute("SELECT count(*), sum(nb) FROM activite WHERE remplace_par = ?",
                                [second.import_id]).fetchall()[0]
    assert kept == (1, 2)  # the replaced row is kept in history

    message = rollback(con_registry, second.import_id, auteur="test")
    assert "2 ligne(s) retirée(s), 1 ligne(s) remplacée(s) rétablie(s)" in message
    assert activity_total(con_registry, Filters()) == 24
    statut = con_registry.execute("SELECT statut, annule_par FROM imports WHERE import_id = ?",
                                  [second.import_id]).fetchall()[0]
    assert statut == ("annulé", "test")
    with pytest.raises(StoreError, match="déjà annulé"):
        rollback(con_registry, second.import_id)
    # Once rolled back, the file can be loaded again.
    assert import_file(con_registry, b, "activite", replace=True).statut == "chargé"


def test_registry_cannot_be_rolled_back_under_data_that_uses_it(con_registry, tmp_path):
    import_file(con_registry, write_xlsx(tmp_path / "a.xlsx", HEADER, months_rows(["1"], ["2016-01"])), "activite")
    with pytest.raises(StoreError, match="Annulez-les d'abord"):
        rollback(con_registry, 1)
    assert con_registry.execute("SELECT count(*) FROM maisons_actifs").fetchall()[0][0] == 2845
    assert con_registry.execute("SELECT statut FROM imports WHERE import_id = 1").fetchall()[0][0] == "chargé"


def test_unknown_import_cannot_be_rolled_back(con_registry):
    with pytest.raises(StoreError, match="Aucun import n°99"):
        rollback(con_registry, 99)


def _consistent(db) -> tuple[bool, int]:
    """Every recorded import holds exactly the rows it says; no row without its import."""
    con = store.connect(db, read_only=True)
    try:
        bad = con.execute(
            "SELECT count(*) FROM imports i WHERE i.kind = 'activite' AND i.statut = 'chargé' AND i.lignes_chargees <> "
            "(SELECT count(*) FROM activite a WHERE a.import_id = i.import_id)").fetchall()[0][0]
        orphans = con.execute("SELECT count(*) FROM activite WHERE import_id NOT IN (SELECT import_id FROM imports)"
                              ).fetchall()[0][0]
        loaded = con.execute("SELECT count(*) FROM activite").fetchall()[0][0]
    finally:
        con.close()
    return bad == 0 and orphans == 0, loaded


def test_a_crash_in_the_middle_of_an_import_leaves_all_or_nothing(registry_db, registry_copy, tmp_path):
    """Kill the importing process at many moments of its run: the store is always whole."""
    import shutil

    rows = [[str(1 + i % 10), dt.date(2016, 1 + i % 12, 1 + i % 28), "emploi", "information", 1] for i in range(300_000)]
    path = write_csv_fr(tmp_path / "gros.csv", ["id_maison", "date", "thematique", "type_accompagnement", "nb"], rows)

    def command(db):
        return [sys.executable, "-m", "msap_stats", "import", str(path), "--kind", "activite", "--db", str(db)]

    timing_db = tmp_path / "chrono.duckdb"
    shutil.copy(registry_db, timing_db)
    start = time.monotonic()
    subprocess.run(command(timing_db), cwd=ROOT, capture_output=True, check=True)
    duration = time.monotonic() - start

    outcomes = []
    for fraction in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98):
        proc = subprocess.Popen(command(registry_copy), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(duration * fraction)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        ok, loaded = _consistent(registry_copy)
        assert ok, f"inconsistent store after a kill at {fraction:.0%} of the run"
        assert loaded in (0, 300_000)
        outcomes.append((fraction, killed, loaded))
        if loaded:  # it finished before the kill: take it back and try a later moment
            con = store.connect(registry_copy)
            rollback(con, con.execute("SELECT max(import_id) FROM imports").fetchall()[0][0])
            con.close()
    assert any(killed for _, killed, _ in outcomes)
    run = subprocess.run(command(registry_copy), cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ok, loaded = _consistent(registry_copy)
    assert ok and loaded == 300_000


def test_store_busy_is_told_in_french(registry_copy):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(30)", str(registry_copy)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="La base est occupée"):
            store.connect(registry_copy)
    finally:
        holder.kill()
        holder.wait()
    assert store_digest(registry_copy)


def _inspected(db, path, keep=True):
    """What the import page does with a dropped file: the inspection it shows, on a reader of the store."""
    with closing(store.reader(db)) as con:
        return assistant.inspect(con, path.read_bytes(), path.name, "activite", accept_suggestions=True,
                                 accept_fallback=False, keep=keep)


def test_the_page_imports_the_rows_it_checked_as_the_command_line_would(registry_db, registry_copy, tmp_path):
    path = write_xlsx(tmp_path / "act.xlsx", HEADER, months_rows(["1", "2", "3"], ["2016-01", "2016-02"], nb=4))
    insp = _inspected(registry_copy, path)
    assert insp.ready and insp.kept.rows == insp.rows_ready == 6
    with store.writing(registry_copy) as writer:
        confirmed = import_inspection(writer, insp)
    elsewhere = tmp_path / "ligne_de_commande.duckdb"
    shutil.copy(registry_db, elsewhere)
    with closing(store.connect(elsewhere)) as con:
        by_command = import_file(con, path, "activite")
        expected = con.execute("SELECT empreinte FROM imports WHERE import_id = ?", [by_command.import_id]).fetchall()
    with closing(store.reader(registry_copy)) as con:
        assert activity_total(con, Filters()) == 6 * 4
        got = con.execute("SELECT empreinte, lignes_chargees FROM imports WHERE import_id = ?",
                          [confirmed.import_id]).fetchall()
    assert got == [(expected[0][0], 6)]  # the same typed rows, to the hash of every cell


def test_rows_checked_before_the_store_changed_are_checked_again(registry_copy, tmp_path):
    path = write_xlsx(tmp_path / "act.xlsx", HEADER, months_rows(["1", "2"], ["2016-01"]))
    insp = _inspected(registry_copy, path)
    assert insp.ready
    with store.writing(registry_copy) as writer:
        rollback(writer, 1)  # the registry goes: the Maisons the rows were checked against are gone
    before = store_digest(registry_copy)
    with store.writing(registry_copy) as writer, pytest.raises(ImportRefused) as refused:
        import_inspection(writer, insp)
    assert "Maison inconnue du registre" in str(refused.value)
    assert store_digest(registry_copy) == before
