"""A clustered user survey, built the same way by the tests and by `make reference` (R's survey package).

80 Maisons of the real national list, 10 to 50 answers each, a Maison effect on every question
(intraclass correlation about 0.05 to 0.10), unequal weights and some skipped questions; two régions
truly differ from the others on one question each, so that the tests of difference have something to find.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from msap_stats import reference

ITEMS = {"motif_aide_dossier": 0.43, "motif_renseignement": 0.33, "simplifie_quotidien": 0.93, "rare": 0.03}
SEED = 2016
REGION_EFFECTS = {("84", "motif_aide_dossier"): 1.2, ("75", "motif_renseignement"): -1.0}  # on the logit scale


def registry_sites(registry: Path) -> list[tuple[str, str]]:
    with open(registry, encoding="utf-8", newline="") as f:
        return [(r["id_fs"], r["insee_dep"]) for r in csv.DictReader(f)]


def build(registry: Path, seed: int = SEED) -> list[dict]:
    rng = np.random.default_rng(seed)
    sites = registry_sites(registry)
    region_of = dict(zip(reference.departements()["code_departement"], reference.departements()["code_region"]))
    chosen = rng.choice(len(sites), size=80, replace=False)
    rows = []
    for m in chosen:
        maison, dep = sites[m]
        effects = {item: rng.normal(0, 0.6) for item in ITEMS}
        for _ in range(int(rng.integers(10, 51))):
            row = {"id_reponse": f"R{len(rows) + 1:05d}", "id_maison": maison, "region": region_of[dep],
                   "poids": round(float(rng.lognormal(0, 0.35)), 4)}
            for item, p in ITEMS.items():
                logit = np.log(p / (1 - p)) + effects[item] + REGION_EFFECTS.get((row["region"], item), 0.0)
                answered = rng.random() > 0.05
                row[item] = int(rng.random() < 1 / (1 + np.exp(-logit))) if answered else None
            rows.append(row)
    return rows


def write_csv(rows: list[dict], path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: ("NA" if v is None else v) for k, v in r.items()})
    return path


if __name__ == "__main__":  # make reference: the file R reads
    write_csv(build(Path(sys.argv[1])), Path(sys.argv[2]))
