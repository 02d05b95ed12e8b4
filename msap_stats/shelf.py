"""Figures kept on disk beside the store, shared by every process that reads it.

A deployment runs several server processes on one store (``serve``), and a process is started again after a crash
or an upgrade: each used to compute every figure for itself. A figure computed once is written here, under the
store's state (``store.state``, new at every write) and its call; any process finds it there until the next write.

The folder ``<store>.figures/`` holds one sub-folder per state; when a new state's first figure is written, the
sub-folders of older states are removed (a reader still on an older state only misses, and computes). Each figure is
one pickle, written aside and renamed into place: two processes computing the same figure write the same bytes, and
a reader never sees half a file. A file that cannot be read is a miss. The folder is as trusted as the store beside
it (whoever can write one can write the other); nothing from a user's file names a path here: the file's name is a
hash of the call.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import time
from dataclasses import fields, is_dataclass
from pathlib import Path

MAX_FIGURES = 4096  # per state: past this, figures are computed and kept in memory only
STALE_AFTER = 60  # seconds: an older state's folder is removed once untouched this long
_SUFFIX = ".figures"


def folder(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + _SUFFIX)


def _spelled(value) -> bool:
    """Whether ``value`` has one spelling in every process (``repr``): text, numbers, None, and tuples or
    dataclasses of them. A set's order changes from one process to the next: its call is not kept on disk."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, tuple):
        return all(_spelled(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return all(_spelled(getattr(value, f.name)) for f in fields(value))
    return False


def key(call: tuple) -> str | None:
    """The file name of a call (its function's name, arguments, and the data's version), or None when an argument
    has no stable spelling."""
    if not _spelled(call):
        return None
    return hashlib.sha256(repr(call).encode()).hexdigest()


def load(db_path: str | Path, state: str, name: str):
    """The figure kept for this state and call; raises KeyError when there is none (or it cannot be read)."""
    if not state.isalnum():
        raise KeyError(name)
    path = folder(db_path) / state / f"{name}.pkl"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # none yet, or a truncated or foreign file: computed again, and written over
        raise KeyError(name) from None


def save(db_path: str | Path, state: str, name: str, figure) -> bool:
    """Keep ``figure`` for this state and call; False when it is not kept (no room, a folder that cannot be
    written, an object that does not pickle): the figure stays in the process's memory only."""
    if not state.isalnum():
        return False
    root = folder(db_path)
    here = root / state
    try:
        if not here.is_dir():
            here.mkdir(parents=True, exist_ok=True)
            _prune(root, keep=state)
        elif sum(1 for _ in os.scandir(here)) >= MAX_FIGURES:
            return False
        payload = pickle.dumps(figure, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=here, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, here / f"{name}.pkl")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True
    except Exception:  # the figure is right; only its copy on disk is missing
        return False


def _prune(root: Path, keep: str) -> None:
    """Remove the folders of other states (their store was replaced by a write) untouched for a minute: a process
    that finishes a run on the state before keeps its folder meanwhile, and the two never remove each other's."""
    now = time.time()
    for entry in os.scandir(root):
        if (entry.name != keep and entry.is_dir(follow_symlinks=False)
                and now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER):
            shutil.rmtree(entry.path, ignore_errors=True)


def clear(db_path: str | Path) -> None:
    """Forget every figure kept for this store."""
    shutil.rmtree(folder(db_path), ignore_errors=True)
