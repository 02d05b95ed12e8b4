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
