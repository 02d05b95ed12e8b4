"""A store on a full disk or in a read-only folder: every write is a French sentence naming the cause and what to
do, the store keeps its bytes, and no partial copy is left behind. Real mounts (a small tmpfs, a read-only bind
mount): skipped where this machine does not allow mounting."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import store_digest
from tests.spreadsheets import write_csv_fr
from tests.test_cli import cli


@contextmanager
def mounted(point: Path, *options: str):
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *options, str(point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"montage impossible ici : {done.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def good_file(tmp_path: Path) -> Path:
    return write_csv_fr(tmp_path / "activite.csv", ["id_maison", "mois", "thematique", "nb"], [["1", "2017-01", "emploi", 3]])


def test_a_full_disk_is_said_and_leaves_the_store_whole(registry_copy, tmp_path):
    size_kb = registry_copy.stat().st_size // 1024 + 512  # the store fits, its private copy does not
    with mounted(tmp_path / "plein", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs") as disk:
        db = disk / "base.duckdb"
        shutil.copy(registry_copy, db)
        before = store_digest(db)
        run = cli("import", str(good_file(tmp_path)), "--kind", "activite", "--db", str(db))
        assert run.returncode == 1 and "est plein : rien n'a été écrit et la base est intacte" in run.stderr
        assert "Erreur interne" not in run.stderr and "Errno" not in run.stderr
        assert store_digest(db) == before
        assert sorted(p.name for p in disk.iterdir()) == ["base.duckdb", "base.duckdb.verrou"]  # no partial copy


def test_a_read_only_folder_is_said_and_still_read(registry_copy, tmp_path):
    folder = tmp_path / "base"
    folder.mkdir()
    shutil.copy(registry_copy, folder / "base.duckdb")
    (folder / "base.duckdb.verrou").touch()
    with mounted(tmp_path / "lecture", "--bind", str(folder)) as point:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(point)], capture_output=True).returncode:
            pytest.skip("remontage en lecture seule impossible ici")
        db = point / "base.duckdb"
        before = store_digest(db)
        run = cli("import", str(good_file(tmp_path)), "--kind", "activite", "--db", str(db))
        assert run.returncode == 1 and "est en lecture seule" in run.stderr and "Errno" not in run.stderr
        assert store_digest(db) == before
        assert cli("indicators", "--db", str(db)).returncode == 0  # still read


def test_the_import_page_on_a_read_only_folder_refuses_bad_files_for_what_they_are(registry_copy, tmp_path,
                                                                                  monkeypatch):
    """A refused file is refused for its own fault (it used to be "Errno 30 … verrou"), a right one is ready and
    its import says the folder is read-only, in the journal or not, the store keeping its bytes."""
    from tests.ui.test_import_page import button, drop, importer
    from tests.ui.test_pages import ok

    folder = tmp_path / "base"
    folder.mkdir()
    shutil.copy(registry_copy, folder / "base.duckdb")
    with mounted(tmp_path / "lecture", "--bind", str(folder)) as point:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(point)], capture_output=True).returncode:
            pytest.skip("remontage en lecture seule impossible ici")
        db = point / "base.duckdb"
        before = store_digest(db)
        at = importer(db, monkeypatch)
        drop(at, write_csv_fr(tmp_path / "inconnue.csv", ["id_maison", "mois", "thematique", "nb"],
                              [["Z-404", "2017-01", "emploi", 3]]))
        shown = " ".join(e.value for e in [*at.error, *at.markdown])
        assert "Maison inconnue" in shown and "Errno" not in shown and "verrou" not in shown
        drop(at, good_file(tmp_path))
        assert any(s.value.startswith("Prêt à importer") for s in at.success)
        button(at, "Importer").click().run()
        ok(at)
        shown = " ".join(e.value for e in at.error)
        assert "est en lecture seule" in shown and "Errno" not in shown and "Erreur interne" not in shown
        assert store_digest(db) == before
