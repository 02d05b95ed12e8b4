"""A stratified user survey with a finite-population correction, built the same way by the tests and by
`make reference` (R's survey package).

Maisons of the real national list are drawn within four régions (the strata): 14, 12 and 10 Maisons in three of
them, a single one in the fourth (a stratum of one cluster, as R's ``survey.lonely.psu = "adjust"`` handles it);
the stratum's population (``fpc``) is its number of sites in the list, so that the sampling fraction is 2 to 5 %.
The strata truly differ on each question, so that stratifying narrows the intervals. ``fpc_total`` is the population of
the four régions, for the finite-population correction alone (a sample drawn from them without strata).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from msap_stats import reference
from tests.reference.clustered import registry_sites, write_csv

ITEMS = {"motif_aide_dossier": 0.43, "motif_renseignement": 0.33, "simplifie_quotidien": 0.90}
STRATA = {"84": 14, "76": 12, "44": 10, "27": 1}  # région: Maisons drawn
EFFECTS = {"84": 0.8, "76": -0.6, "44": 0.2, "27": 0.0}  # logit scale, on every question
SEED = 2017


def build(registry: Path, seed: int = SEED) -> list[dict]:
    rng = np.random.default_rng(seed)
    region_of = dict(zip(reference.departements()["code_departement"], reference.departements()["code_region"]))
    sites = [(m, region_of[dep]) for m, dep in registry_sites(registry)]
    surveyed = sum(1 for _, r in sites if r in STRATA)  # the Maisons of the four régions: a population to draw from
    rows = []
    for region, drawn in STRATA.items():
        population = [m for m, r in sites if r == region]
        for maison in rng.choice(population, size=drawn, replace=False):
            effects = {item: rng.normal(0, 0.5) for item in ITEMS}
            for _ in range(int(rng.integers(15, 45))):
                row = {"id_reponse": f"S{len(rows) + 1:05d}", "id_maison": str(maison), "region": region,
                       "strate": f"R{region}", "fpc": len(population), "fpc_total": surveyed,
                       "poids": round(float(rng.lognormal(0, 0.3)), 4)}
                for item, p in ITEMS.items():
                    logit = np.log(p / (1 - p)) + EFFECTS[region] + effects[item]
                    row[item] = int(rng.random() < 1 / (1 + np.exp(-logit))) if rng.random() > 0.04 else None
                rows.append(row)
    return rows


if __name__ == "__main__":  # make reference: the file R reads
    write_csv(build(Path(sys.argv[1])), Path(sys.argv[2]))
