"""The dashboard's readings of the store under Streamlit's fast reruns: a newer run of a session starts on a thread
of its own while the older one is stopping."""

from __future__ import annotations

import threading

import pytest
from streamlit.runtime.scriptrunner import StopException

from msap_stats import store
from msap_stats.ui import connection

SUM = "SELECT sum(nb) FROM activite_actifs"


def test_a_run_overtaken_by_a_newer_one_keeps_its_cursor_and_reads_no_further(demo_db, monkeypatch):
    """The newer run closed the older run's cursor under it (« Connection already closed », logged as a page error
    while a slider was stepped), and the older one went on through the newer one's cursor, where the two threads'
    results could cross. Now the query under way ends on the older run's own cursor, and the older run's next
    reading stops it; a fragment's rerun, on a thread where no run began, reads through the latest run's."""
    monkeypatch.setenv("MSAP_DB", str(demo_db))
    con = store.connect(demo_db, read_only=True)
    requests = con.execute(SUM).fetchall()[0][0]
    con.close()
    older_reading, newer_began, seen = threading.Event(), threading.Event(), {}

    def older_run() -> None:
        connection.begin_run()
        try:
            seen["older"] = connection.cursor()
            older_reading.set()
            assert newer_began.wait(30)
            seen["older_sum"] = seen["older"].execute(SUM).fetchall()[0][0]  # its query under way goes on
            with pytest.raises(StopException):
                connection.cursor()
            seen["stopped"] = True
        finally:
            connection.end_run()

    def fragment_rerun() -> None:
        seen["fragment"] = connection.cursor()

    older = threading.Thread(target=older_run)
    older.start()
    assert older_reading.wait(30)
    connection.begin_run()  # the newer run, in this thread, while the older one is still under way
    try:
        seen["newer"] = connection.cursor()
        newer_began.set()
        older.join(30)
        assert not older.is_alive()
        fragment = threading.Thread(target=fragment_rerun)
        fragment.start()
        fragment.join(30)
        seen["newer_sum"] = seen["newer"].execute(SUM).fetchall()[0][0]
    finally:
        connection.end_run()
    assert seen.get("stopped") and seen["older"] is not seen["newer"]
    assert seen["older_sum"] == seen["newer_sum"] == requests
    assert seen["fragment"] is seen["newer"]
