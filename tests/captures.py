"""Full-page screenshots of every page at 1,440, 1,024 and 390 px, on the demo and on the real registry.

    python -m tests.captures [OUT]      (make captures; default tests/artifacts/captures)

Not part of make test (about three minutes): run it after a change of layout and look at the images.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from msap_stats import demo, store
from msap_stats.intake import importer
from tests import browser
from tests.conftest import CONTOURS, SHARED

WIDTHS = (1440, 1024, 390)
PATHS = ("", "motifs", "satisfaction", "regards-croises", "activite", "territoires", "reseau", "importer")


def registry(path: Path) -> None:
    con = store.connect(path)
    data = (SHARED / "liste-fs-20240801.csv").read_bytes()
    importer.import_bytes(con, data, "liste-fs-20240801.csv", "maisons")
    con.close()


def capture(out: Path) -> list[Path]:
    shots = []
    (browser.ARTIFACTS / "captures").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"demo": Path(tmp) / "demo.duckdb", "registre": Path(tmp) / "registre.duckdb"}
        demo.build(stores["demo"], seed=42)
        registry(stores["registre"])
        for name, db in stores.items():
            with browser.streamlit_server(db, CONTOURS) as url:
                for width in WIDTHS:
                    with browser.chromium_page(width=width, height=900) as page:
                        for path in PATHS:
                            page.goto(f"{url}/{path}")
                            browser.wait_for_app(page)
                            shot = browser.screenshot(page, f"captures/{name}_{width}_{path or 'accueil'}")
                            shots.append(shot)
    if out != browser.ARTIFACTS / "captures":
        out.mkdir(parents=True, exist_ok=True)
        for s in shots:
            shutil.copy(s, out / s.name)
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else browser.ARTIFACTS / "captures"
    for s in capture(target):
        print(s)
