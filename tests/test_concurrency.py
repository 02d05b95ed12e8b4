"""Several programs on one store: the dashboard reads while the command line reads, imports, rolls back and
backs up; one writer at a time; a writer killed at any moment leaves the store whole."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from msap_stats import store
from tests.conftest import ROOT, store_digest
from tests.spreadsheets import write_csv_fr

HEADER = ["id_maison", "date", "thematique", "nb"]
ROWS = int(os.environ.get("MSAP_COUPURE_LIGNES", "90000"))  # rows of the killed import (full size: 600000 by hand)
# A reader holding the store as the dashboard does, until told to look again or to stop.
READER = """
import sys
from msap_stats import store
con = store.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(con.execute("SELECT count(*), coalesce(sum(nb), 0) FROM activite_actifs").fetchall()[0], flush=True)
"""
# A writer that holds the write for a few seconds (an import under way).
WRITER = """
import sys, time
from msap_stats import store
with store.writing(sys.argv[1]) as con:
    print("ok", flush=True)
    time.sleep(float(sys.argv[2]))
    con.execute("INSERT INTO meta VALUES ('tenu', 'oui')")
"""


def cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "msap_stats", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def _activity(path, month: int, rows: int = 50):
    return write_csv_fr(path, HEADER, [[str(1 + i % 10), dt.date(2016, month, 1 + i % 28), "emploi", 1 + i % 3]
                                       for i in range(rows)])


def _asked(reader: subprocess.Popen) -> tuple:
    reader.stdin.write("?\n")
    reader.stdin.flush()
    return eval(reader.stdout.readline())  # a tuple of two numbers printed by the reader above


def test_the_command_line_reads_and_writes_while_the_dashboard_reads(registry_copy, tmp_path):
    reader = subprocess.Popen([sys.executable, "-c", READER, str(registry_copy)], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert _asked(reader) == (0, 0)
        assert cli("imports", "--db", registry_copy).returncode == 0  # it used to be refused: store locked
        done = cli("import", _activity(tmp_path / "janvier.csv", 1), "--kind", "activite", "--db", registry_copy)
        assert done.returncode == 0, done.stderr
        assert _asked(reader) == (0, 0)  # a reader keeps the store as it opened it, whole
        fresh = store.connect(registry_copy, read_only=True)
        assert fresh.execute("SELECT count(*), sum(nb) FROM activite_actifs").fetchall()[0] == (50, 99)
        fresh.close()
        indicators = cli("indicators", "--db", registry_copy)
        assert indicators.returncode == 0 and '"demandes": 99' in indicators.stdout
        rolled = cli("rollback", "2", "--db", registry_copy)
        assert rolled.returncode == 0 and "annulé" in rolled.stdout
    finally:
        reader.kill()
        reader.wait()


def test_one_writer_at_a_time_the_next_waits_or_is_told_busy(registry_copy, tmp_path):
    path = _activity(tmp_path / "fevrier.csv", 2)
    holder = subprocess.Popen([sys.executable, "-c", WRITER, str(registry_copy), "4"], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "ok"
        before = store_digest(registry_copy)
        busy = cli("import", path, "--kind", "activite", "--db", registry_copy, env={"MSAP_WRITE_WAIT": "0.5"})
        assert busy.returncode == 1 and "La base est occupée" in busy.stderr and "Traceback" not in busy.stderr
        assert store_digest(registry_copy) == before
        waited = cli("import", path, "--kind", "activite", "--db", registry_copy, env={"MSAP_WRITE_WAIT": "60"})
        assert waited.returncode == 0, waited.stderr
    finally:
        holder.wait(timeout=60)
    con = store.connect(registry_copy, read_only=True)
    assert store.get_meta(con, "tenu") == "oui"  # both writes are there: neither overwrote the other
    assert con.execute("SELECT count(*) FROM activite_actifs").fetchall()[0][0] == 50
    con.close()


def _whole(db) -> tuple[int, int, int]:
    """(rows in force, imports in force, rows whose import says otherwise): the log and the rows agree."""
    con = store.connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT (SELECT count(*) FROM activite_actifs), "
            "(SELECT count(*) FROM imports WHERE kind = 'activite' AND statut = 'chargé'), "
            "(SELECT count(*) FROM imports i WHERE kind = 'activite' AND statut = 'chargé' AND lignes_chargees <> "
            " (SELECT count(*) FROM activite a WHERE a.import_id = i.import_id))").fetchall()[0]
    finally:
        con.close()


@pytest.mark.parametrize("operation", ["import --replace", "rollback"])
def test_a_writer_killed_at_any_moment_leaves_the_store_whole(operation, registry_copy, tmp_path):
    first = _activity(tmp_path / "v1.csv", 3, rows=2 * ROWS // 3)
    second = _activity(tmp_path / "v2.csv", 3, rows=ROWS)  # the same Maisons and month: it replaces the first
    assert cli("import", first, "--kind", "activite", "--db", registry_copy).returncode == 0
    before, after = (2 * ROWS // 3, 1, 0), (ROWS, 2, 0)  # rows in force, imports in force, disagreements
    command = ["import", second, "--kind", "activite", "--replace"]
    if operation == "rollback":
        assert cli(*command, "--db", registry_copy).returncode == 0
        command, before, after = ["rollback", "3"], after, before
    start = time.monotonic()
    probe = tmp_path / "probe.duckdb"
    shutil.copy(registry_copy, probe)
    assert cli(*command, "--db", probe).returncode == 0
    duration = time.monotonic() - start
    killed = 0
    for fraction in (0.3, 0.5, 0.65, 0.8, 0.9, 0.97):
        proc = subprocess.Popen([sys.executable, "-m", "msap_stats", *map(str, command), "--db", str(registry_copy)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
        state = _whole(registry_copy)
        assert state in (before, after), f"{operation} killed at {fraction:.0%}: {state}"
        if state == after:
            break  # it finished before the kill: the store holds the whole operation
    assert killed >= 1
    assert cli("imports", "--db", registry_copy).returncode == 0


def test_backup_while_the_store_is_read_and_written(registry_copy, tmp_path):
    assert cli("import", _activity(tmp_path / "avril.csv", 4), "--kind", "activite", "--db",
               registry_copy).returncode == 0
    reader = subprocess.Popen([sys.executable, "-c", READER, str(registry_copy)], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    holder = subprocess.Popen([sys.executable, "-c", WRITER, str(registry_copy), "3"], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "ok"
        copy = tmp_path / "sauvegarde" / "copie.duckdb"
        done = cli("backup", copy, "--db", registry_copy)
        assert done.returncode == 0, done.stderr
        assert "activité (demandes traitées) : 50" in done.stdout
        restored = tmp_path / "restauree.duckdb"
        shutil.copy(copy, restored)
        con = store.connect(restored, read_only=True)
        assert store.row_counts(con)["activite"] == 50 and store.row_counts(con)["maisons"] > 2_000
        con.close()
        assert _asked(reader) == (50, 99)
    finally:
        holder.wait(timeout=60)
        reader.kill()
        reader.wait()


def test_a_reader_answers_its_versions_once_a_writer_each_time(registry_copy, tmp_path):
    """A reader's version, file and demo flag are asked once (its file never changes under it); a writer's are asked
    again at each call, so that what it writes is seen at once."""
    from msap_stats.intake.importer import import_file

    from msap_stats.indicators import activity_months

    reader = store.reader(registry_copy)
    cursor = store.reader_cursor(reader)
    before = store.data_version(cursor)
    assert activity_months(cursor) == []  # kept by the reader, as its versions are
    with store.writing(registry_copy) as writer:
        assert store.data_version(writer) == before and not store.is_demo(writer, "activite")
        assert activity_months(writer) == []
        import_file(writer, _activity(tmp_path / "janvier.csv", 1), "activite")
        assert store.data_version(writer) != before  # the writer sees its own write at once
        months = activity_months(writer)
        assert months == ["2016-01"]
        written = store.data_version(writer)
    assert store.data_version(cursor) == store.data_version(reader) == before  # the file each reader opened
    assert activity_months(cursor) == []
    assert cursor.execute("SELECT count(*) FROM activite_actifs").fetchall()[0][0] == 0  # …as its rows say too
    later = store.reader(registry_copy)
    assert store.data_version(later) == written and store.db_file(later) == store.db_file(reader) == registry_copy
    assert activity_months(later) == months
    assert later.execute("SELECT count(*) FROM activite_actifs").fetchall()[0][0] == 50
    for con in (cursor, reader, later):
        con.close()
