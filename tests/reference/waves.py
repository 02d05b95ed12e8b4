"""Two waves of a clustered user survey, built the same way by the tests and by `make reference` (R's survey).

Wave « 2016 » surveys 40 Maisons of the real national list, wave « 2024 » 40 too, 20 of them already surveyed in
2016: a Maison keeps its own effect from one wave to the next (its answers are alike across the waves, which is
why a Maison is one cluster of both). Between the waves, help with a file truly rises (about 10 points, +0.45 on
the logit scale); the other questions do not change. Response ids start again at R00001 in each wave.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

from msap_stats import reference
from tests.reference.clustered import registry_sites, write_csv

ITEMS = {"motif_aide_dossier": 0.40, "motif_renseignement": 0.33, "simplifie_quotidien": 0.90}
CHANGE = {"motif_aide_dossier": 0.45}  # logit scale, wave 2024
WAVES = {"2016": dt.date(2016, 11, 7), "2024": dt.date(2024, 10, 14)}
SEED = 2024


def build(registry: Path, seed: int = SEED) -> list[dict]:
    rng = np.random.default_rng(seed)
    sites = registry_sites(registry)
    region_of = dict(zip(reference.departements()["code_departement"], reference.departements()["code_region"]))
    chosen = [sites[i] for i in rng.choice(len(sites), size=60, replace=False)]
    effects = {maison: {item: rng.normal(0, 0.6) for item in ITEMS} for maison, _ in chosen}
    surveyed = {"2016": chosen[:40], "2024": chosen[20:]}
    rows = []
    for wave, maisons in surveyed.items():
        number = 0
        for maison, dep in maisons:
            for _ in range(int(rng.integers(15, 51))):
                number += 1
                row = {"vague": wave, "id_reponse": f"R{number:05d}", "id_maison": maison, "region": region_of[dep],
                       "date_reponse": (WAVES[wave] + dt.timedelta(days=int(rng.integers(0, 20)))).isoformat(),
                       "poids": round(float(rng.lognormal(0, 0.3)), 4)}
                for item, p in ITEMS.items():
                    logit = np.log(p / (1 - p)) + effects[maison][item] + (CHANGE.get(item, 0.0) if wave == "2024"
                                                                           else 0.0)
                    answered = rng.random() > 0.04
                    row[item] = int(rng.random() < 1 / (1 + np.exp(-logit))) if answered else None
                rows.append(row)
    return rows


if __name__ == "__main__":  # make reference: the file R reads
    write_csv(build(Path(sys.argv[1])), Path(sys.argv[2]))
