"""An unweighted user survey whose respondents are too young and too female, with the users' known margins by sex
and age, built the same way by the tests and by `make reference` (R's survey package).

30 Maisons of the real national list; the chance of being « très satisfait » rises with age and is lower for women,
so that calibrating on sex and age moves it. A few answers do not give their age (a modality of their own, whose
share is kept). The margins are the users' (``MARGES``, parts in %); a second, one-variable margin (sex) is the
post-stratification. The file ``MARGES`` is also what a coordinator would type (``variable;modalite;part``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from tests.reference.clustered import registry_sites, write_csv

SEED = 2016
MAISONS = 30
AGES = ("moins_25", "25_39", "40_59", "60_74", "75_plus")
SAMPLE_AGES = (0.30, 0.30, 0.22, 0.12, 0.06)  # too young
SAMPLE_WOMEN = 0.68  # too female
MARGES = {"sexe": {"femme": 52.0, "homme": 48.0},
          "tranche_age": {"moins_25": 14.0, "25_39": 22.0, "40_59": 30.0, "60_74": 22.0, "75_plus": 12.0}}
AGE_EFFECT = {"moins_25": -0.9, "25_39": -0.5, "40_59": 0.0, "60_74": 0.6, "75_plus": 1.0}
ITEMS = {"tres_satisfait": 0.45, "motif_aide_dossier": 0.40, "simplifie_quotidien": 0.85}
BORNE = 2.8  # the bounded raking: factors within [1/2.8, 2.8] (the unbounded reach 0.32 and 3.66)


def build(registry: Path, seed: int = SEED) -> list[dict]:
    rng = np.random.default_rng(seed)
    sites = [m for m, _ in registry_sites(registry)]
    rows = []
    for maison in rng.choice(sites, size=MAISONS, replace=False):
        effect = rng.normal(0, 0.4)
        for _ in range(int(rng.integers(20, 50))):
            sexe = "femme" if rng.random() < SAMPLE_WOMEN else "homme"
            age = str(rng.choice(AGES, p=SAMPLE_AGES))
            row = {"id_reponse": f"C{len(rows) + 1:05d}", "id_maison": str(maison), "sexe": sexe,
                   "tranche_age": age if rng.random() > 0.03 else None}
            for item, p in ITEMS.items():
                logit = np.log(p / (1 - p)) + effect + AGE_EFFECT[age] - (0.5 if sexe == "femme" else 0.0)
                row[item] = int(rng.random() < 1 / (1 + np.exp(-logit))) if rng.random() > 0.03 else None
            rows.append(row)
    return rows


def build_waves(registry: Path) -> list[dict]:
    """Two waves in the same 30 Maisons (2016: ``build``; 2024: other answers, each Maison's answers moved to the
    same Maison of 2016), each to be calibrated on ``MARGES``: their change, tested with Maisons as clusters."""
    first = build(registry)
    second = build(registry, seed=SEED + 8)
    maisons = list(dict.fromkeys(r["id_maison"] for r in first))
    moved = {m: maisons[i % len(maisons)] for i, m in enumerate(dict.fromkeys(r["id_maison"] for r in second))}
    return ([{**r, "vague": "2016"} for r in first]
            + [{**r, "id_reponse": "V" + r["id_reponse"], "id_maison": moved[r["id_maison"]], "vague": "2024"}
               for r in second])


def margins_rows() -> list[tuple[str, str, float]]:
    return [(v, m, part) for v, parts in MARGES.items() for m, part in parts.items()]


def write_margins(path: Path) -> Path:
    path.write_text("variable;modalite;part\n" + "".join(f"{v};{m};{part}\n" for v, m, part in margins_rows()),
                    encoding="utf-8")
    return path


if __name__ == "__main__":  # make reference: the files R reads (the answers, the margins)
    write_csv(build(Path(sys.argv[1])), Path(sys.argv[2]))
    write_margins(Path(sys.argv[3]))
    write_csv(build_waves(Path(sys.argv[1])), Path(sys.argv[4]))
