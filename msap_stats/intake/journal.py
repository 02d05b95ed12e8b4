"""The journal of refused attempts: a file beside the store, so that a refusal never touches the evaluation data."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..errors import ImportRefused
from ..store import db_file

KEPT_PER_ENTRY = 20  # problems written per refused attempt (the count says how many there were)


def journal_path(con) -> Path | None:
    path = db_file(con)
    return path.with_name(path.stem + ".refus.jsonl") if path else None


def record_refusal(con, refused: ImportRefused, kind: str, auteur: str, sha256: str | None = None) -> None:
    path = journal_path(con)
    if path is None:
        return
    entry = {"date": datetime.now().isoformat(timespec="seconds"), "auteur": auteur, "kind": kind,
             "fichier": refused.fichier, "sha256": sha256, "problemes": refused.total,
             "detail": [p.text() for p in refused.problems[:KEPT_PER_ENTRY]]}
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError:  # a read-only folder must not turn a refusal into a crash
        pass


def refusals(con, limit: int = 200) -> list[dict]:
    """The last refused attempts, newest first."""
    path = journal_path(con)
    if path is None or not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[-limit:]:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out[::-1]
