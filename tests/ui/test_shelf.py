"""Figures kept on disk beside the store (``shelf``): a figure computed by one server process is read by the next
process instead of computed again, until the store is written; a damaged file is only a miss."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from msap_stats import bench, charge, shelf, store
from msap_stats.intake.importer import import_file
from msap_stats.perimetre import Filters
from tests.conftest import CONTOURS, ROOT

# One server process: the overview run once through AppTest; what it computed, read from the disk, and showed.
PROCESS = bench.APP_PROCESS + """
import json
from msap_stats.ui import connection
connection._stopping.set()  # no background warm-up: the page's own figures only, counted exactly
at = AppTest.from_file(sys.argv[1], default_timeout=120)
if len(sys.argv) > 2:
    at.query_params["region"] = sys.argv[2]
at.run()
from tests.ui.test_pages import come_into_view
come_into_view(at)  # the overview's lower rows, drawn as a browser draws them once near the screen
print(json.dumps({"exceptions": [e.value for e in at.exception],
                  "computed": sum(connection.COMPUTED.values()), "shelved": sum(connection.SHELVED.values()),
                  "shown": [h.value for h in at.html if "kf-valeur" in h.value],
                  "charts": [c.proto.spec for c in at.get("plotly_chart")]}))
"""


def _process(db, *query) -> dict:
    env = {**os.environ, "MSAP_DB": str(db), "MSAP_CONTOURS": str(CONTOURS)}
    out = subprocess.run([sys.executable, "-c", PROCESS, str(ROOT / "dashboard.py"), *query], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    run = json.loads(out.stdout.strip().splitlines()[-1])
    assert not run["exceptions"], run["exceptions"]
    return run


@pytest.fixture
def app_db(demo_db, tmp_path):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    return path


def _states(db) -> list[str]:
    return sorted(p.name for p in shelf.folder(db).iterdir() if p.is_dir())


def test_a_figure_computed_by_one_process_is_read_by_the_next_until_a_write(app_db, tmp_path):
    first = _process(app_db)
    assert first["computed"] >= 7 and first["shelved"] == 0  # key figures and six charts, computed
    assert len(first["shown"]) == 8
    con = store.connect(app_db, read_only=True)
    state = store.state(con)
    con.close()
    assert state and _states(app_db) == [state]

    second = _process(app_db)  # a process started later (another of the deployment, or a restart)
    assert second["computed"] == 0 and second["shelved"] == first["computed"]
    assert second["shown"] == first["shown"] and second["charts"] == first["charts"]

    bretagne = _process(app_db, "53")  # another perimeter: computed, nothing of it was kept
    assert bretagne["computed"] >= 7 and bretagne["shown"] != first["shown"]

    # A write (an import of 40 Maisons' requests) gives the store a new state: its figures are computed again.
    path = charge.import_file(tmp_path, app_db, 0)
    with store.writing(app_db) as con:
        import_file(con, path, "activite")
    with store.connect(app_db, read_only=True) as con:
        new = store.state(con)
    assert new != state
    after = _process(app_db)
    assert after["computed"] >= 7 and after["shelved"] == 0
    assert after["shown"] != first["shown"]  # the requests' key figure counts the new ones
    assert new in _states(app_db)


def test_a_damaged_or_foreign_file_is_computed_again(app_db):
    first = _process(app_db)
    (folder,) = [p for p in shelf.folder(app_db).iterdir() if p.is_dir()]
    kept = sorted(folder.glob("*.pkl"))
    assert len(kept) == first["computed"]
    kept[0].write_bytes(kept[0].read_bytes()[:40])  # cut short
    kept[1].write_bytes(b"not a pickle")
    second = _process(app_db)
    assert second["computed"] == 2 and second["shelved"] == first["computed"] - 2
    assert second["shown"] == first["shown"] and second["charts"] == first["charts"]


def test_only_calls_spelled_alike_in_every_process_are_kept(tmp_path):
    assert shelf.key(("m.f", (Filters(regions=("53",)), "tranche_age", 5.0), (("n", 3),), "1:1:")) is not None
    assert shelf.key(("m.f", (Filters(regions=("53",)),), (), "v")) == shelf.key(("m.f", (Filters(("53",)),), (), "v"))
    assert shelf.key(("m.f", (Filters(regions=("53",)),), (), "v")) != shelf.key(("m.f", (Filters(),), (), "v"))
    assert shelf.key(("m.f", (frozenset({"53", "11"}),), (), "v")) is None  # a set's order changes by process
    assert shelf.key(("m.f", ({"a": 1},), (), "v")) is None
    assert not shelf.save(tmp_path / "s.duckdb", "../../etc", "k", 1)  # a state is a name, never a path


def test_older_states_are_removed_once_idle_and_the_folder_is_bounded(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    assert shelf.save(db, "aaaa", "k1", {"x": 1}) and shelf.load(db, "aaaa", "k1") == {"x": 1}
    assert shelf.save(db, "bbbb", "k1", {"x": 2})  # a new state while the older one is still in use: both kept
    assert _states(db) == ["aaaa", "bbbb"] and shelf.load(db, "aaaa", "k1") == {"x": 1}
    idle = time.time() - shelf.STALE_AFTER - 5
    os.utime(shelf.folder(db) / "aaaa", (idle, idle))
    assert shelf.save(db, "cccc", "k1", {"x": 3})
    assert _states(db) == ["bbbb", "cccc"]
    with pytest.raises(KeyError):
        shelf.load(db, "aaaa", "k1")
    monkeypatch.setattr(shelf, "MAX_FIGURES", 2)
    assert shelf.save(db, "cccc", "k2", 2) and not shelf.save(db, "cccc", "k3", 3)
    with pytest.raises(KeyError):
        shelf.load(db, "cccc", "k3")


def test_every_import_and_every_copy_written_since_has_a_state_of_its_own(app_db, tmp_path):
    con = store.connect(app_db, read_only=True)
    before = store.state(con)
    con.close()
    copy = tmp_path / "copie.duckdb"
    shutil.copy(app_db, copy)
    with store.writing(copy) as con:  # a write that changes no figure keeps the state (and the file's bytes)
        pass
    with store.connect(copy, read_only=True) as con:
        assert store.state(con) == before
    with store.writing(copy) as con:  # an import: the copy's figures are its own from now on
        import_file(con, charge.import_file(tmp_path, copy, 0), "activite")
    with store.connect(copy, read_only=True) as con:
        assert store.state(con) not in (None, before)
    with store.connect(app_db, read_only=True) as con:
        assert store.state(con) == before
