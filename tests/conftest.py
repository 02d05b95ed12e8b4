"""Shared fixtures: real DuckDB files built by the project's own code."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from msap_stats import demo, store  # noqa: E402
from msap_stats.intake.importer import import_file  # noqa: E402



def _shared_data() -> Path:
    """The workplace's open data: $MSAP_SHARED_DATA, ../shared/data beside the clone, or /work/shared/data."""
    for candidate in (os.environ.get("MSAP_SHARED_DATA"), ROOT.parent / "shared" / "data", "/work/shared/data"):
        if candidate and (Path(candidate) / "liste-fs-20240801.csv").exists():
            return Path(candidate)
    return ROOT.parent / "shared" / "data"


SHARED = _shared_data()
REGISTRY = SHARED / "liste-fs-20240801.csv"
CONTOURS = SHARED / "departements-contours.geojson"
# The project finds the contours beside itself (../shared/data); a clone elsewhere is told where they are,
# so that the demo and the maps of the tests are the same wherever the suite runs.
if CONTOURS.exists():
    os.environ.setdefault("MSAP_CONTOURS", str(CONTOURS))
# A page that fails lets its error through (AppTest's at.exception, the browser's exception block) instead of the
# production panel, so that no test passes over a broken page; tests of the panel itself unset it.
os.environ["MSAP_DEBUG"] = "1"
# Every test starts its own server or app on its own store: each would prepare every région's overview in the
# background (twice the suite's time). The first visits only; tests/ui/test_warmup.py prepares the régions.
os.environ["MSAP_ECHAUFFEMENT"] = "pages"


def store_digest(path: Path) -> str:
    """The bytes of a closed store (with its WAL, if any)."""
    h = hashlib.sha256()
    for p in (path, Path(str(path) + ".wal")):
        h.update(p.read_bytes() if p.exists() else b"-")
    return h.hexdigest()


@pytest.fixture(scope="session")
def registry_file() -> Path:
    if not REGISTRY.exists():
        pytest.skip(f"liste nationale absente ({REGISTRY})")
    return REGISTRY


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demonstration store, built once per test session (read-only use)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path, seed=42)
    return path


def _read_only(path: Path):
    con = store.connect(path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def demo_con(demo_db):
    """A read-only connection to the demo store, shared by the session."""
    yield from _read_only(demo_db)


@pytest.fixture(scope="session")
def registry_db(tmp_path_factory, registry_file) -> Path:
    """A store holding the real national list of France services (read-only use)."""
    path = tmp_path_factory.mktemp("registre") / "registre.duckdb"
    con = store.connect(path)
    import_file(con, registry_file, "maisons")
    con.close()
    return path


@pytest.fixture(scope="session")
def registry_con(registry_db):
    """A read-only connection to the store holding the national list."""
    yield from _read_only(registry_db)


@pytest.fixture
def registry_copy(registry_db, tmp_path) -> Path:
    """A private copy of the registry store, for tests that write."""
    path = tmp_path / "registre.duckdb"
    shutil.copy(registry_db, path)
    return path


@pytest.fixture
def con_registry(registry_copy):
    con = store.connect(registry_copy)
    yield con
    con.close()
