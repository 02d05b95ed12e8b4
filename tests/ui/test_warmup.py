"""The first visit of each page after a start finds its figures computed: the first run of the dashboard starts a
background warm-up, and once it is done, opening each page, or the overview of any one région, computes nothing the
warm-up could have."""

from __future__ import annotations

import streamlit as st

from msap_stats import shelf, store
from msap_stats.ui import connection, warmup
from tests.ui.test_pages import PAGES, app, come_into_view

FIRST_VISITS = ("pages/motifs.py", "pages/satisfaction.py", "pages/regards-croises.py", "pages/activite.py",
                "pages/territoires.py", "pages/reseau.py", "pages/evolution.py")


def test_each_page_s_first_visit_is_warmed_up(demo_db, monkeypatch):
    monkeypatch.setenv("MSAP_ECHAUFFEMENT", "regions")  # as a server does by default
    st.cache_data.clear()
    st.cache_resource.clear()
    shelf.clear(demo_db)  # a process that finds nothing kept, in its memory or on the disk
    at = app(demo_db, monkeypatch)  # the overview: the server's first run, which starts the warm-up
    assert not at.exception
    con = store.connect(demo_db, read_only=True)
    version = store.data_version(con)
    con.close()
    thread = connection._warm_up(str(demo_db), version, warmup.plan)  # the thread the first run started
    thread.join(timeout=300)
    assert not thread.is_alive()
    warmed = sum(connection.COMPUTED.values())
    assert warmed > 40  # the catalogue's charts and the pages' tables
    for page in FIRST_VISITS:
        before = connection.COMPUTED.copy()
        at.switch_page(page).run()
        assert not at.exception, page
        assert connection.COMPUTED == before, (page, connection.COMPUTED - before)
    assert set(PAGES) <= set(FIRST_VISITS)

    at.switch_page("pages/vue-ensemble.py").run()
    regions = warmup.filters.regions_with_maisons()
    assert len(regions) >= 13  # the demo's Maisons are all over France
    for chosen in (regions[0], regions[-1]):
        before = connection.COMPUTED.copy()
        at.multiselect(key="f_regions").set_value([chosen]).run()
        come_into_view(at)
        assert not at.exception
        assert connection.COMPUTED == before, (chosen, connection.COMPUTED - before)
    before = sum(connection.COMPUTED.values())
    at.multiselect(key="f_regions").set_value(regions[:2]).run()  # two régions: not prepared, computed now
    come_into_view(at)  # and the lower rows, once near the screen
    assert not at.exception and sum(connection.COMPUTED.values()) >= before + 7


def test_the_regions_are_prepared_in_the_pauses_between_pages():
    """The warm-up's later part waits while pages keep beginning, and goes on once they pause."""
    import threading
    import time

    done = threading.Event()
    waiting = threading.Thread(target=lambda: (connection.wait_until_idle(quiet=0.3), done.set()))
    connection._last_run[0] = time.monotonic()
    waiting.start()
    for _ in range(10):  # a page begins every 0.1 s for a second: no pause of 0.3 s
        time.sleep(0.1)
        connection._last_run[0] = time.monotonic()
        assert not done.is_set()
    assert done.wait(timeout=30)  # the pages stop: the warm-up goes on


def test_the_regions_wait_for_a_page_still_being_drawn():
    """A page begun long enough ago to end the pause, but still being drawn, holds the warm-up back until it ends."""
    import threading
    import time

    done = threading.Event()
    connection.begin_run()  # a page's run, in this thread
    connection._last_run[0] = time.monotonic() - 10  # begun long ago
    try:
        waiting = threading.Thread(target=lambda: (connection.wait_until_idle(quiet=0.2), done.set()))
        waiting.start()
        assert not done.wait(timeout=1.0)  # its run is not over: no figure of the warm-up meanwhile
    finally:
        connection.end_run()
    assert done.wait(timeout=5)


def test_the_first_table_s_modules_are_loaded_by_the_warm_up(demo_db):
    """A process's first table on a page (a pandas Styler: jinja2 and its templates) is not the first visit's to
    load: the warm-up's plan loads it, in a process that had not."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\nfrom msap_stats.ui import warmup\n"
            "before = 'pandas.io.formats.style' in sys.modules\n"
            "for _ in warmup.plan(): pass\n"
            "print(before, 'pandas.io.formats.style' in sys.modules, 'jinja2' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "MSAP_DB": str(demo_db), "MSAP_ECHAUFFEMENT": "pages"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True", "True"]
