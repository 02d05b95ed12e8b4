"""The store as the dashboard reads it: one read-only connection per version of the file, a cursor per script run,
cached results keyed by the data's version, and the store opened for one write."""

from __future__ import annotations

import atexit
import collections
import functools
import importlib
import inspect
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import StopException

from .. import shelf, store


def db_path() -> str:
    return str(store.default_db_path())


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(path: str, version: tuple | None):
    """One read-only connection per version of the store file, shared by the process; each script run works
    through its own cursor. A write (here or from the command line) swaps a new file in: the next run opens it,
    runs under way finish on the file they began with."""
    return store.reader(path, create=True)


def connection():
    path = db_path()
    return _connection(path, store.file_version(path))


@contextmanager
def writing():
    """The store open for one write (an import, a rollback, a profile renamed): see ``store.writing``."""
    with store.writing(db_path()) as con:
        yield con


_last_run = [0.0]  # when the process's latest script run began (time.monotonic)
_running: dict[int, float] = {}  # the script runs under way: their thread, and when they began
_numbers: dict[int, int] = {}  # the same runs' numbers in their session
_LONGEST_RUN = 60.0  # a run begun longer ago no longer holds the warm-up back


def begin_run() -> None:
    """Called first by dashboard.py on every script run: a new run number and a fresh cursor. With fast reruns (the
    default) Streamlit starts a newer run of the session on a thread of its own while the older one is stopping:
    the older run's cursor is left to it (closed under a query, it said « Connection already closed »)."""
    me = threading.get_ident()
    _last_run[0] = _running[me] = time.monotonic()
    _numbers[me] = st.session_state["_run"] = st.session_state.get("_run", 0) + 1
    previous = st.session_state.pop("_curseur", None)
    if previous is not None and (previous.thread == me or previous.thread not in _running):
        try:
            previous.cursor.close()
        except Exception:  # the connection was reset meanwhile
            pass


def end_run() -> None:
    """Called last by dashboard.py, however its run ends (drawn, stopped, interrupted by a newer one)."""
    _running.pop(threading.get_ident(), None)
    _numbers.pop(threading.get_ident(), None)


_thread = threading.local()  # the warm-up's own reading (a thread outside any script run)


@dataclass
class _Reading:
    """What one script run (or the warm-up thread) reads through: its cursor, and the version of the data the cursor
    sees (read when first asked: one version of the file for the whole run)."""

    run: int | None
    cursor: object
    thread: int | None = None  # the thread that opened the cursor
    version: str | None = None
    state: str | None = None  # the store's ``store.state``, read at the first figure not in memory


def cursor():
    """The cursor of this script run (the connection itself is shared by the whole process)."""
    return _reading().cursor


def _reading() -> _Reading:
    """The run's reading, or the warm-up thread's. A run overtaken by a newer one of its session (fast reruns) reads
    no further: it stops here, rather than go on through the newer run's cursor, where the two threads' results
    could cross (its page is replaced anyway). A fragment's rerun, on a thread where no run began, reads through
    the latest run's."""
    own = getattr(_thread, "reading", None)
    if own is not None:
        return own
    run = st.session_state.get("_run", 0)
    if _numbers.get(threading.get_ident(), run) != run:
        raise StopException()
    current = st.session_state.get("_curseur")
    if current is None or current.run != run:
        current = _Reading(run, store.reader_cursor(connection()), threading.get_ident())
        st.session_state["_curseur"] = current
    return current


def reset_connection() -> None:
    """Forget this session's cursor and every cached result (before the store is rebuilt)."""
    st.session_state.pop("_curseur", None)
    st.cache_data.clear()
    shelf.clear(db_path())


def data_version() -> str:
    """Changes whenever an import is loaded or rolled back: part of every cache key. Read once per script run: a
    cursor reads one version of the file for the whole run."""
    reading = _reading()
    if reading.version is None:
        reading.version = store.data_version(reading.cursor)
    return reading.version


COMPUTED: collections.Counter = collections.Counter()  # figures computed (in no cache), by function
SHELVED: collections.Counter = collections.Counter()  # figures read from the disk (``shelf``), by function


def _state() -> str | None:
    reading = _reading()
    if reading.state is None:
        reading.state = store.state(reading.cursor) or ""
    return reading.state or None


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, args: tuple, kwargs: tuple, version: str, path: str):
    """Run only when the process's memory misses: the figure is read from the disk, where another process (or this
    one before a restart) may have kept it, or computed and kept there."""
    state, call = _state(), shelf.key((name, args, kwargs, version))
    if state and call:
        try:
            figure = shelf.load(path, state, call)
            SHELVED[name] += 1
            return figure
        except KeyError:
            pass
    COMPUTED[name] += 1
    module, fn_name = name.rsplit(".", 1)
    figure = getattr(importlib.import_module(module), fn_name)(cursor(), *args, **dict(kwargs))
    if state and call:
        shelf.save(path, state, call, figure)
    return figure


@functools.cache
def _signature(fn) -> inspect.Signature:
    return inspect.signature(fn)


def _arguments(fn, args: tuple, kwargs: dict) -> tuple[tuple, tuple]:
    """The call's arguments with the function's defaults filled in: a call that spells a default out and one that
    leaves it are one cache entry (the warm-up's and the page's)."""
    bound = _signature(fn).bind_partial(None, *args, **kwargs)  # the first parameter is the cursor
    bound.apply_defaults()
    return bound.args[1:], tuple(sorted(bound.kwargs.items()))


def _through_cache(fn, args: tuple, kwargs: dict, version: str):
    return _cached(f"{fn.__module__}.{fn.__name__}", *_arguments(fn, args, kwargs), version, db_path())


def cached(fn, *args, **kwargs):
    """Call a ``charts``/``indicators`` function through the cache, keyed by its arguments and the data."""
    return _through_cache(fn, args, kwargs, data_version())


_stopping = threading.Event()  # the process ends: a warm-up stops after its current call
_warming: list[threading.Thread] = []


@atexit.register
def _stop_warming() -> None:
    """Before the interpreter ends: a DuckDB query still running in a thread would abort the process."""
    _stopping.set()
    for thread in _warming:
        thread.join(timeout=60)


@st.cache_resource(show_spinner=False, max_entries=4)
def _warm_up(path: str, version: str, _plan) -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(path, _plan), name="msap-premieres-visites", daemon=True)
    _warming[:] = [t for t in _warming if t.is_alive()] + [thread]
    thread.start()
    return thread


def _warm(path: str, plan) -> None:
    """The plan's calls run in the background on a cursor of their own; a failure only means a cold first visit."""
    started = store.file_version(path)
    _thread.reading = _Reading(None, store.reader_cursor(connection()))
    try:
        version = data_version()
        for fn, *args in plan():
            if _stopping.is_set() or store.file_version(path) != started:  # a write swapped in: the next run
                return                                                       # warms the new data up
            try:
                _through_cache(fn, tuple(args), {}, version)
            except Exception:  # the page will say what is wrong with its figure, if anything
                logging.getLogger(__name__).debug("échauffement : %s", fn.__name__, exc_info=True)
    finally:
        _thread.reading.cursor.close()
        _thread.reading = None


def wait_until_idle(quiet: float = 1.0) -> None:
    """For work that can wait (the warm-up's later part): return once no page is being drawn and none has begun for
    ``quiet`` seconds, or when the process ends. Under a steady load it waits for a pause: the people come first."""
    while not _stopping.is_set():
        now = time.monotonic()
        idle = now - _last_run[0]
        if idle >= quiet and not any(now - began < _LONGEST_RUN for began in list(_running.values())):
            return
        _stopping.wait(max(quiet - idle, 0.05))


def warm_up(plan) -> None:
    """Figures computed once per version of the data in a background thread of the server, so that the first visit
    of a page after a start or an import finds them in the cache. ``plan()``, called in that thread: the calls, as
    (function, its arguments…, the filters first); it may itself read the store through ``cached``."""
    _warm_up(db_path(), data_version(), plan)


def store_is_empty() -> bool:
    counts = cached(store.row_counts)
    return counts["maisons"] == 0
