"""Import speed against the usual approach, as ratios of medians over several runs.

    python -m benchmarks.run [--rows N] [--repeat K]

The usual approach: pandas.read_excel (openpyxl) then a per-row Python check
and an INSERT of the DataFrame. Ours: the project's full import (fastexcel into
Arrow, typing and checks in DuckDB, one transaction). Also shown: parsing alone,
openpyxl against fastexcel, which bounds what any importer can do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import fastexcel
import numpy as np
import pandas as pd

from msap_stats import store
from msap_stats.fmt import nombre
from msap_stats.importer import import_file
from msap_stats.schema import ACTIVITE, THEMATIQUES, TYPES_ACCOMPAGNEMENT
from tests.spreadsheets import write_xlsx


def make_file(folder: Path, rows: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    registry = write_xlsx(folder / "registre.xlsx", ["id_maison", "nom", "code_departement"],
                          [[f"M{i}", f"Maison {i}", "01"] for i in range(200)])
    themes = [t.label for t in THEMATIQUES]
    types = [t.label for t in TYPES_ACCOMPAGNEMENT]
    start = dt.date(2016, 1, 1)
    data = [[f"M{rng.integers(200)}", start + dt.timedelta(days=int(rng.integers(365))), themes[rng.integers(12)],
             types[rng.integers(4)], int(rng.integers(1, 5))] for _ in range(rows)]
    activity = write_xlsx(folder / "activite.xlsx", ["id_maison", "date", "thematique", "type_accompagnement", "nb"], data)
    return registry, activity


def usual_import(path: Path, db: Path) -> int:
    df = pd.read_excel(path, engine="openpyxl")
    codes = {c.label: c.code for c in ACTIVITE.column("thematique").codes}
    kinds = {c.label: c.code for c in ACTIVITE.column("type_accompagnement").codes}
    errors = []
    for i, row in enumerate(df.itertuples(index=False), start=2):  # the row-by-row check people write
        if row.thematique not in codes:
            errors.append((i, "thematique"))
        if not (isinstance(row.nb, (int, np.integer)) and row.nb >= 1):
            errors.append((i, "nb"))
    df["thematique"] = df["thematique"].map(codes)
    df["type_accompagnement"] = df["type_accompagnement"].map(kinds)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE activite AS SELECT * FROM df")
    con.close()
    return len(df) if not errors else 0


def ours(registry: Path, path: Path, db: Path) -> int:
    con = store.connect(db)
    import_file(con, registry, "maisons")
    n = import_file(con, path, "activite").lignes_chargees
    con.close()
    return n


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        registry, activity = make_file(folder, args.rows)
        counter = iter(range(10_000))
        parse_usual = median_time(lambda: pd.read_excel(activity, engine="openpyxl"), args.repeat)
        parse_ours = median_time(lambda: fastexcel.read_excel(activity.read_bytes()).load_sheet(
            0, header_row=None, skip_rows=0, dtypes="string").to_arrow(), args.repeat)
        full_usual = median_time(lambda: usual_import(activity, folder / f"u{next(counter)}.duckdb"), args.repeat)
        full_ours = median_time(lambda: ours(registry, activity, folder / f"o{next(counter)}.duckdb"), args.repeat)
    print(f"Classeur d'activité de {nombre(args.rows)} lignes, médiane de {args.repeat} essais")
    print(f"  lecture seule : openpyxl {parse_usual:.2f} s, fastexcel {parse_ours:.2f} s -> x{parse_usual / parse_ours:.1f}")
    print(f"  import complet : pandas+openpyxl+contrôle ligne à ligne {full_usual:.2f} s, msap_stats {full_ours:.2f} s "
          f"-> x{full_usual / full_ours:.1f}")
    print(f"  part de la lecture dans notre import : {100 * parse_ours / full_ours:.0f} %")


if __name__ == "__main__":
    main()
