"""The hostile corpus as a table, by hand (`make corpus`): each probe as a whole process on a copy of the store
holding the national list, with its result, time and peak memory (the command and its reading processes), whether
the store kept its bytes and whether the attempt is in the journal; plus the probes too large for `make test` (a
245 MB GeoJSON, 1,048,000 repeated .ods rows, 300 MB without a line break)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from msap_stats import store
from msap_stats.intake.importer import import_file
from tests.conftest import REGISTRY, store_digest
from tests.hostile import big_geojson, repeated_rows_ods
from tests.intake.test_hostile import CORPUS, timed_cli

LARGE = {
    "a 245 MB GeoJSON of the national list": (
        "maisons", lambda p: big_geojson(p / "registre.geojson", REGISTRY, 110)),
    "1,048,000 repeated .ods rows": ("activite", lambda p: repeated_rows_ods(p / "activite.ods", "1")),
    "300 MB without a line break": ("activite", lambda p: _written(p / "a.csv", 300 << 20)),
}


def _written(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        for _ in range(size >> 20):
            f.write(b"a" * (1 << 20))
    return path


def _result(run) -> str:
    if run.returncode == 0:
        return "importé : " + run.stdout.strip().splitlines()[0][:90]
    lines = [line for line in run.stderr.splitlines() if line.startswith("- ")] or run.stderr.splitlines()[:1]
    return "refusé : " + (lines[0][2:] if lines[0].startswith("- ") else lines[0])[:110]


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="msap-corpus-") as tmp:
        base = Path(tmp) / "base.duckdb"
        con = store.connect(base)
        import_file(con, REGISTRY, "maisons")
        con.close()
        for name, (kind, make) in {**{k: v[:2] for k, v in CORPUS.items()}, **LARGE}.items():
            folder = Path(tempfile.mkdtemp(dir=tmp))
            db = folder / "registre.duckdb"
            shutil.copy(base, db)
            path = make(folder)
            before, journal = store_digest(db), db.with_name(db.stem + ".refus.jsonl")
            run, seconds, peak = timed_cli("import", path, "--kind", kind, "--db", db, seconds=900)
            logged = journal.exists() and len(journal.read_text(encoding="utf-8").splitlines())
            kept = store_digest(db) == before
            traceback = "Traceback" in run.stderr or "Erreur interne" in run.stderr
            rows.append((name, _result(run), seconds, peak, "oui" if kept else "non (importé)" if not run.returncode
                         else "NON", "oui" if logged or not run.returncode else "NON", "NON" if traceback else "oui"))
            print(f"{name}: {rows[-1][1][:60]} {seconds:.1f} s {peak:.0f} Mo", file=sys.stderr)
            shutil.rmtree(folder, ignore_errors=True)
    print("| Sonde | Résultat | Temps (s) | Pic mémoire (Mo) | Base intacte | Au journal | En français |")
    print("|---|---|---:|---:|---|---|---|")
    for name, result, seconds, peak, kept, logged, french in rows:
        print(f"| {name} | {result.replace('|', '/')} | {seconds:.1f} | {peak:.0f} | {kept} | {logged} | {french} |")
    return 0 if all(r[4] != "NON" and r[5] != "NON" and r[6] == "oui" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
