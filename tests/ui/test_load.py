"""Many people at once: browser sessions go through every page and change filters while files are imported from
the command line into the same store. Every page completes, with no exception; readers are never blocked.

``make test`` runs it small (2 sessions, one pass); the full size by hand, e.g. 10 sessions:
``MSAP_CHARGE=10 .venv/bin/python -m pytest tests/ui/test_load.py -s`` (prints the 95th percentile).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

import pytest

from tests import browser
from tests.conftest import ROOT
from tests.spreadsheets import write_csv_fr

SESSIONS = int(os.environ.get("MSAP_CHARGE", "2"))
PAGES = ["", "motifs", "satisfaction", "regards-croises", "activite", "territoires", "reseau", "exporter"]
FILTERS = ["", "?region=76", "?region=53&format=fixe", "?departement=48", "?debut=2016-03&fin=2016-06"]

pytestmark = pytest.mark.skipif(not browser.chromium_available(), reason=browser.MISSING_CHROMIUM)


async def _settled(page, timeout: float = 120) -> None:
    """The script finished and its charts drawn (as browser.wait_for_app, for the async API)."""
    deadline = time.monotonic() + timeout
    await page.wait_for_selector(browser.APP_IDLE, state="attached", timeout=timeout * 1000)
    while time.monotonic() < deadline:
        idle = await page.locator(browser.APP_IDLE).count() == 1
        charts = await page.locator("[data-testid='stPlotlyChart']").count()
        drawn = await page.locator(f"[data-testid='stPlotlyChart'] :is({browser.DRAWN})").count()
        if idle and (drawn >= 1 or not charts):
            await asyncio.sleep(0.3)
            if await page.locator(browser.APP_IDLE).count() == 1:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(page.url)


async def _session(pw_browser, url: str, n: int, times: list, faults: list) -> None:
    context = await pw_browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = await context.new_page()
    try:
        for i, path in enumerate(PAGES):
            target = f"{url}/{path}{FILTERS[(n + i) % len(FILTERS)]}"
            start = time.monotonic()
            await page.goto(target)
            await _settled(page)
            times.append(time.monotonic() - start)
            shown = await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']"
                                       ).all_inner_texts()
            if shown:
                faults.append((target, shown))
    finally:
        await context.close()


async def _browse(url: str, sessions: int) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    faults: list = []
    async with async_playwright() as p:
        pw_browser = await p.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(_session(pw_browser, url, n, times, faults) for n in range(sessions)))
        finally:
            await pw_browser.close()
    return times, faults


def test_sessions_browse_and_filter_while_files_are_imported(demo_db, tmp_path):
    db = tmp_path / "charge.duckdb"
    shutil.copy(demo_db, db)
    files = [write_csv_fr(tmp_path / f"activite_{m}.csv", ["id_maison", "date", "thematique", "nb"],
                          [[f"MSAP-{1 + i % 50:04d}", dt.date(2017, m, 1 + i % 28), "emploi", 1 + i % 4]
                           for i in range(2_000)])
             for m in (1, 2, 3)]
    imported: list[subprocess.CompletedProcess] = []

    def importer(stop: threading.Event) -> None:
        for path in files:
            if stop.is_set():
                return
            imported.append(subprocess.run([sys.executable, "-m", "msap_stats", "import", str(path), "--kind",
                                            "activite", "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                                           env={**os.environ, "MSAP_WRITE_WAIT": "120"}))
            time.sleep(1)

    with browser.streamlit_server(db) as url:
        stop = threading.Event()
        writer = threading.Thread(target=importer, args=(stop,))
        writer.start()
        try:
            times, faults = asyncio.run(_browse(url, SESSIONS))
        finally:
            stop.set()
            writer.join()
    assert faults == []
    assert len(times) == SESSIONS * len(PAGES)
    assert imported and all(r.returncode == 0 for r in imported), [r.stderr for r in imported]
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print(f"\n{SESSIONS} sessions, {len(times)} pages, {len(imported)} imports pendant la navigation : "
          f"médiane {statistics.median(times):.2f} s, 95e centile {p95:.2f} s, maximum {max(times):.2f} s")
