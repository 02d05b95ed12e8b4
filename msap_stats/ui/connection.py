"""The store as the dashboard reads it: one read-only connection per version of the file, a cursor per script run,
cached results keyed by the data's version, and the store opened for one write."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

import streamlit as st

from .. import store


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


def begin_run() -> None:
    """Called first by dashboard.py on every script run: a new run number and a fresh cursor."""
    st.session_state["_run"] = st.session_state.get("_run", 0) + 1
    previous = st.session_state.pop("_curseur", None)
    if previous is not None:
        try:
            previous[1].close()
        except Exception:  # the connection was reset meanwhile
            pass


def cursor():
    """The cursor of this script run (the connection itself is shared by the whole process)."""
    run = st.session_state.get("_run", 0)
    current = st.session_state.get("_curseur")
    if current is None or current[0] != run:
        current = (run, store.reader_cursor(connection()))
        st.session_state["_curseur"] = current
    return current[1]


def reset_connection() -> None:
    """Forget this session's cursor and every cached result (before the store is rebuilt)."""
    st.session_state.pop("_curseur", None)
    st.cache_data.clear()


def data_version() -> str:
    """Changes whenever an import is loaded or rolled back: part of every cache key."""
    return store.data_version(cursor())


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, args: tuple, kwargs: tuple, version: str, path: str):
    module, fn_name = name.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), fn_name)
    return fn(cursor(), *args, **dict(kwargs))


def cached(fn, *args, **kwargs):
    """Call a ``charts``/``indicators`` function through the cache, keyed by its arguments and the data."""
    return _cached(f"{fn.__module__}.{fn.__name__}", args, tuple(sorted(kwargs.items())), data_version(), db_path())


def store_is_empty() -> bool:
    counts = cached(store.row_counts)
    return counts["maisons"] == 0
