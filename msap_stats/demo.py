"""A synthetic network as it stood in February 2017: demonstration data.

Built deterministically from a seed, calibrated so that the indicators
reproduce the figures published by the CGET (En bref n°33, February 2017) from
the BVA survey of November 2016. Everything goes through the importer, like a
real file, and is marked as demonstration data in the store.

Calibration: survey answers are assigned by ordering respondents on a random
propensity (which may depend on their profile, so that breakdowns differ the
way one expects) and giving the answer to the first ones until the weighted
share reaches its target.
"""

from __future__ import annotations

import calendar
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import reference
from .intake.importer import import_table
from .schema import IMPACTS
from .store import STATUT_CHARGE, StoreError, connect, transaction, writing

REFERENCE = "février 2017"
N_MAISONS = 1100
N_USAGERS = 4812
N_AGENTS = 1006
N_HABITANTS = 3021
REQUESTS_2016 = 1_000_000
AUTEUR = "démonstration"

# Département counts fixed by the published figures (Défenseur des droits partnerships).
FIXED_MAISONS = {"05": 16, "48": 9}  # En bref n°33: the 9 Maisons of Lozère
DEFENSEUR_DROITS = {"05": 10, "48": 9}
TELECENTRES = ("48",)  # the 9 Maisons of Lozère run a network of télécentres (teleworking spaces)
URBAN = {"75", "92", "93", "94", "69", "13", "59", "06", "33", "31", "67", "44", "91", "95", "78", "77"}

PARTNERSHIP_COUNTS = {"centre_social": 88, "handicap": 51, "bibliotheque": 80, "office_tourisme": 10,
                      "chambre_consulaire": 100}

THEME_SHARES = {"emploi": 26, "prestations_sociales": 22, "sante": 11, "autonomie": 4, "retraite": 8, "fiscalite": 8,
                "papiers": 6, "logement_energie": 4, "numerique": 4, "courrier": 3, "acces_au_droit": 2, "autre": 2}
THEME_OPERATORS = {"emploi": ["pole_emploi"], "prestations_sociales": ["caf", "caf", "caf", "msa"], "sante": ["cpam"],
                   "autonomie": ["cpam", "carsat"], "retraite": ["carsat", "carsat", "msa"], "fiscalite": ["dgfip"],
                   "papiers": ["ants"], "logement_energie": ["grdf"], "numerique": [None], "courrier": ["la_poste"],
                   "acces_au_droit": ["justice"], "autre": ["autre"]}
ACCOMPAGNEMENT = {"information": 42, "aide_dossier": 30, "demarche_en_ligne": 18, "libre_acces": 10}
AGES = {"moins_25": 16, "25_39": 27, "40_59": 31, "60_74": 18, "75_plus": 8}
SEASON = [1.05, 1.05, 1.1, 1.0, 0.95, 1.0, 0.85, 0.6, 1.1, 1.1, 1.05, 0.95]


def _choice(rng, shares: dict, size: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _exact(rng, n: int, count: int) -> np.ndarray:
    """A boolean mask with exactly ``count`` true values."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=count, replace=False)] = True
    return mask


def assign(rng, weights: np.ndarray, shares: dict, propensity: dict | None = None, missing: float = 0.0) -> np.ndarray:
    """Give each respondent an answer so that weighted shares match ``shares`` among those who answer.

    ``propensity`` maps an answer to a per-respondent score: respondents with a
    higher score get that answer first. ``missing`` is the share of non-answers.
    """
    n = len(weights)
    answers = np.full(n, None, dtype=object)
    remaining = np.ones(n, dtype=bool)
    total = weights.sum()
    plan = ([(None, missing)] if missing else []) + [(k, (1 - missing) * v / sum(shares.values())) for k, v in shares.items()]
    for key, share in plan[:-1]:
        score = rng.gumbel(size=n) + (propensity.get(key, 0) if propensity and key else 0)
        order = np.argsort(-np.where(remaining, score, -np.inf))
        order = order[remaining[order]]
        cum = np.cumsum(weights[order])
        take = order[: int(np.searchsorted(cum, share * total))]
        answers[take] = key
        remaining[take] = False
    answers[remaining] = plan[-1][0]
    return answers


def yes_no(rng, weights, pct: float, propensity=None, missing: float = 0.0) -> np.ndarray:
    shares = {"true": pct, "false": 100 - pct}
    return assign(rng, weights, shares, {"true": propensity} if propensity is not None else None, missing)


def _weights(rng, n: int, spread: float, factor: np.ndarray | float = 1.0) -> np.ndarray:
    w = rng.lognormal(0, spread, n) * factor
    return np.round(w / w.mean(), 4)


# Answers of one Maison (one département for inhabitants) are alike: each question gets a cluster effect on the
# score that orders who answers what. Its spread is chosen for an intraclass correlation of the latent score
# between 0.02 and 0.10 (Gumbel noise has variance π²/6): ICC = σ² / (σ² + π²/6).
ICC = {"faible": 0.02, "moyenne": 0.05, "forte": 0.10}


def cluster_effect(rng, clusters: np.ndarray, icc: float) -> np.ndarray:
    """Each respondent's share of the effect of their cluster, for a given intraclass correlation."""
    sigma = np.sqrt(icc / (1 - icc) * np.pi**2 / 6)
    names, index = np.unique(clusters, return_inverse=True)
    return rng.normal(0, sigma, len(names))[index]


# Young users are under-represented among those interviewed: the weights put them back, so that weighted and
# unweighted figures differ wherever answers depend on age.
AGE_WEIGHT = {"moins_25": 1.7, "25_39": 1.25, "40_59": 1.0, "60_74": 0.8, "75_plus": 0.7}


# --- The network -----------------------------------------------------------------

def _allocate(rng) -> dict[str, int]:
    deps = reference.departements()
    deps = deps[deps["type"] == "departement"]
    weight = deps["population"].to_numpy() ** 0.3 * np.where(deps["code_departement"].isin(URBAN), 0.25, 1.0)
    weight = weight * rng.uniform(0.8, 1.2, len(weight))
    codes = deps["code_departement"].tolist()
    free = [c for c in codes if c not in FIXED_MAISONS]
    w = np.array([weight[codes.index(c)] for c in free])
    target = N_MAISONS - sum(FIXED_MAISONS.values())
    raw = w / w.sum() * target
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts))[: target - counts.sum()]:
        counts[i] += 1
    return {**dict(zip(free, counts.tolist())), **FIXED_MAISONS}


def _day_hours(rng, full: bool) -> str:
    am = f"{rng.choice(['08:30', '09:00', '09:00', '09:30'])} - {rng.choice(['12:00', '12:00', '12:30'])}"
    if not full:
        return am
    return f"{am} / {rng.choice(['13:30', '14:00'])} - {rng.choice(['16:30', '17:00', '17:00', '17:30'])}"


def on_land(codes: np.ndarray, lon: np.ndarray, lat: np.ndarray, deps) -> None:
    """Move the points that fall outside their département's outline (at sea, or next door) inside it.

    Only with the contours at hand (see ``reference.contours_path``); the draws use a generator of
    their own, so that the rest of the demo is the same with or without them.
    """
    place = np.random.default_rng(len(codes))
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        ok = reference.inside(code, lon[rows], lat[rows])
        if ok is None:
            continue
        centre = deps.loc[code, ["longitude", "latitude"]].to_numpy(float)
        for i in rows[~ok]:
            for spread in np.repeat([0.25, 0.12, 0.05, 0.02], 25):
                x, y = centre + place.normal(0, spread, 2)
                if reference.inside(code, np.array([x]), np.array([y]))[0]:
                    lon[i], lat[i] = x, y
                    break


def maisons_table(rng) -> pa.Table:
    per_dep = _allocate(rng)
    deps = reference.departements().set_index("code_departement")
    codes = np.array([c for c, k in sorted(per_dep.items()) for _ in range(k)], dtype=object)
    n = len(codes)
    lat = deps.loc[codes, "latitude"].to_numpy() + rng.normal(0, 0.18, n)
    lon = deps.loc[codes, "longitude"].to_numpy() + rng.normal(0, 0.25, n)
    on_land(codes, lon, lat, deps)
    seen: dict[str, int] = {}
    noms = []
    for c in codes:  # MSAP Lozère n°1, n°2…
        seen[c] = seen.get(c, 0) + 1
        noms.append(f"MSAP {deps.loc[c, 'departement']} n°{seen[c]}")

    formats = np.array(["fixe"] * n, dtype=object)
    order = rng.permutation(n)
    formats[order[: round(0.17 * n)]] = "fixe_antennes"
    formats[order[round(0.17 * n): round(0.22 * n)]] = "itinerante"
    formats[order[round(0.22 * n): round(0.24 * n)]] = "bus"
    porteurs = _choice(rng, {"collectivite": 42, "la_poste": 44, "association": 11, "gip": 3}, n)
    urban = np.isin(codes, list(URBAN))
    territoire = np.where(urban, _choice(rng, {"urbain": 55, "periurbain": 35, "rural": 10}, n),
                          _choice(rng, {"rural": 78, "periurbain": 16, "urbain": 6}, n))

    hours = {f"h_{j}": np.full(n, None, dtype=object) for j in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")}
    days = list(hours)
    open_days = rng.choice([2, 3, 4, 5], size=n, p=[0.02, 0.04, 0.14, 0.80])
    unknown = _exact(rng, n, 22)
    for i in range(n):
        if unknown[i]:
            continue
        for d in sorted(rng.choice(5, size=open_days[i], replace=False)):
            hours[days[d]][i] = _day_hours(rng, rng.random() < 0.9)
        if porteurs[i] == "la_poste" and rng.random() < 0.5:
            hours["h_samedi"][i] = "09:00 - 12:00"

    social = ["pole_emploi", "caf", "cpam", "carsat", "msa"]
    operateurs = []
    for i in range(n):
        k = rng.choice([2, 3, 4, 5], p=[0.15, 0.3, 0.35, 0.2])
        ops = list(rng.choice(social, size=k, replace=False, p=[0.26, 0.26, 0.2, 0.16, 0.12]))
        ops += [o for o, p in (("grdf", 0.4), ("dgfip", 0.3), ("la_poste", 0.2), ("ants", 0.1)) if rng.random() < p]
        if porteurs[i] == "la_poste" and "la_poste" not in ops:
            ops.append("la_poste")
        operateurs.append(";".join(ops))

    partenariats = [[] for _ in range(n)]
    for code, count in PARTNERSHIP_COUNTS.items():
        for i in np.flatnonzero(_exact(rng, n, count)):
            partenariats[i].append(code)
    for dep, count in DEFENSEUR_DROITS.items():
        for i in rng.choice(np.flatnonzero(codes == dep), size=count, replace=False):
            partenariats[i].append("defenseur_droits")

    start = np.datetime64("2010-06-01")
    labels = start + rng.integers(0, (np.datetime64("2016-12-31") - start).astype(int), n)
    return pa.table({
        "id_maison": [f"MSAP-{i + 1:04d}" for i in range(n)],
        "nom": noms,
        "code_departement": codes.tolist(),
        "latitude": np.round(lat, 5),
        "longitude": np.round(lon, 5),
        **{k: v.tolist() for k, v in hours.items()},
        "type": ["principal"] * n,
        "format": formats.tolist(),
        "date_labellisation": labels.astype(str).tolist(),
        "structure_porteuse": porteurs.tolist(),
        "operateurs": operateurs,
        "partenariats": [";".join(p) if p else None for p in partenariats],
        "espace_public_numerique": _exact(rng, n, round(0.15 * n)).tolist(),
        "espace_teletravail": (_exact(rng, n, round(0.04 * n)) | np.isin(codes, TELECENTRES)).tolist(),
        "agent_forme": (~_exact(rng, n, round(0.07 * n))).tolist(),
        "espace_confidentiel": (~_exact(rng, n, round(0.09 * n))).tolist(),
        "type_territoire": territoire.tolist(),
    })


# --- Activity 2016 ---------------------------------------------------------------

def activite_table(rng, maisons: pa.Table) -> pa.Table:
    """One row per request handled in 2016 (about one million)."""
    ids = np.array(maisons.column("id_maison").to_pylist(), dtype=object)
    size = rng.lognormal(0, 0.55, len(ids))
    volume = size / size.sum() * REQUESTS_2016
    season = np.array(SEASON) / sum(SEASON)
    counts = rng.poisson(np.outer(volume, season))  # Maisons x months
    maison_idx = np.repeat(np.repeat(np.arange(len(ids)), 12), counts.ravel())
    month = np.repeat(np.tile(np.arange(12), len(ids)), counts.ravel())
    n = len(maison_idx)
    days_in = np.array([calendar.monthrange(2016, m + 1)[1] for m in range(12)])
    day = (rng.random(n) * days_in[month]).astype(int)
    dates = (np.array([np.datetime64(f"2016-{m + 1:02d}-01") for m in range(12)])[month] + day)
    theme = _choice(rng, THEME_SHARES, n)
    operateur = np.empty(n, dtype=object)
    for t, ops in THEME_OPERATORS.items():
        where = np.flatnonzero(theme == t)
        operateur[where] = np.array(ops, dtype=object)[rng.integers(0, len(ops), len(where))]
    return pa.table({
        "id_maison": ids[maison_idx].tolist(),
        "date": pa.array(dates.astype("datetime64[D]")),
        "thematique": theme.tolist(),
        "operateur": operateur.tolist(),
        "type_accompagnement": _choice(rng, ACCOMPAGNEMENT, n).tolist(),
        "tranche_age": _choice(rng, AGES, n).tolist(),
        "sexe": _choice(rng, {"femme": 56, "homme": 44}, n).tolist(),
    })


# --- The three surveys of autumn 2016 -----------------------------------------------

def _survey_dates(rng, n: int) -> list[str]:
    start = np.datetime64("2016-10-03")
    return (start + rng.integers(0, 54, n)).astype(str).tolist()


def _impact_columns(rng, weights, pcts: list[float], effect) -> dict:
    """The five perceived impacts; ``effect()`` gives each question its own cluster effect."""
    return {name: yes_no(rng, weights, pct, effect(), missing=0.01).tolist() for (name, _), pct in zip(IMPACTS, pcts)}


def usagers_table(rng, maisons: pa.Table, activity_weight: np.ndarray) -> pa.Table:
    n = N_USAGERS
    ids = np.array(maisons.column("id_maison").to_pylist(), dtype=object)
    maison = ids[rng.choice(len(ids), size=n, p=activity_weight)]
    sexe = _choice(rng, {"femme": 62, "homme": 38}, n)
    age = _choice(rng, AGES, n)
    w = _weights(rng, n, 0.35, np.vectorize(AGE_WEIGHT.get)(age))
    young = np.isin(age, ["moins_25", "25_39"]).astype(float)
    old = np.isin(age, ["60_74", "75_plus"]).astype(float)
    situation = np.where(old > 0, _choice(rng, {"retraite": 85, "autre": 15}, n),
                         _choice(rng, {"emploi": 38, "demandeur_emploi": 34, "etudiant": 8, "au_foyer": 10, "autre": 10}, n))

    def here(icc: str) -> np.ndarray:
        return cluster_effect(rng, maison, ICC[icc])

    motifs = {
        "motif_aide_dossier": yes_no(rng, w, 40, 0.8 * old + here("forte")),
        "motif_renseignement": yes_no(rng, w, 33, here("moyenne")),
        "motif_outils_libre_acces": yes_no(rng, w, 27, 1.2 * young - 0.8 * old + here("forte")),
        "motif_demarche_en_ligne": yes_no(rng, w, 24, 0.5 * old + here("moyenne")),
    }
    attente_prop = {"emploi": 1.5 * (situation == "demandeur_emploi"), "retraite": 2.0 * old}
    return pa.table({
        "id_reponse": [f"U{i + 1:05d}" for i in range(n)],
        "date_reponse": _survey_dates(rng, n),
        "id_maison": maison.tolist(),
        "poids": w.tolist(),
        **{k: np.where(v == "true", "x", None).tolist() for k, v in motifs.items()},
        "satisfaction_accueil": assign(rng, w, {"tres_satisfait": 86, "plutot_satisfait": 11, "plutot_pas_satisfait": 2,
                                                "pas_du_tout_satisfait": 1},
                                       {"tres_satisfait": 0.4 * old + here("forte")}, 0.01).tolist(),
        "simplifie_quotidien": yes_no(rng, w, 95, here("moyenne"), missing=0.02).tolist(),
        "attente_principale": assign(rng, w, {"emploi": 34, "prestations_sociales": 23, "papiers": 21, "sante": 8,
                                              "retraite": 6, "fiscalite": 4, "autre": 4}, attente_prop, 0.03).tolist(),
        "sexe": sexe.tolist(),
        "tranche_age": age.tolist(),
        "situation": situation.tolist(),
        **_impact_columns(rng, w, [78, 81, 58, 71, 49], lambda: here("faible")),
    })


def agents_table(rng, maisons: pa.Table) -> pa.Table:
    n = N_AGENTS
    ids = np.array(maisons.column("id_maison").to_pylist(), dtype=object)
    maison = ids[rng.choice(len(ids), size=n)]
    w = _weights(rng, n, 0.15)

    def here(icc: str) -> np.ndarray:
        return cluster_effect(rng, maison, ICC[icc])

    return pa.table({
        "id_reponse": [f"A{i + 1:04d}" for i in range(n)],
        "date_reponse": _survey_dates(rng, n),
        "id_maison": maison.tolist(),
        "poids": w.tolist(),
        "sexe": assign(rng, w, {"femme": 83, "homme": 17}).tolist(),
        "tranche_age": _choice(rng, {"moins_25": 8, "25_39": 38, "40_59": 46, "60_74": 8}, n).tolist(),
        "statut": assign(rng, w, {"fonctionnaire": 53, "contractuel": 41, "autre": 6}).tolist(),
        "se_sent_utile": yes_no(rng, w, 89, here("moyenne")).tolist(),
        "appartenance_reseau": yes_no(rng, w, 62, here("forte"), missing=0.02).tolist(),
        # Two thirds of the agents joined the network during 2016 (En bref n°33); the others since 2010.
        "annee_arrivee": assign(rng, w, {2016: 67, 2015: 12, 2014: 8, 2013: 6, 2012: 4, 2011: 2, 2010: 1},
                                missing=0.01).tolist(),
        "mission_principale": assign(rng, w, {"accueil": 81, "accompagnement": 12, "animation": 3, "coordination": 3,
                                              "autre": 1}).tolist(),
        **_impact_columns(rng, w, [88, 85, 74, 83, 61], lambda: here("faible")),
    })


def habitants_table(rng) -> pa.Table:
    n = N_HABITANTS
    deps = reference.departements()
    deps = deps[deps["type"] == "departement"]
    pop = deps["population"].to_numpy(dtype=float)
    # Rural départements are over-sampled; the weights put them back in proportion.
    sample_p = pop**0.6 / (pop**0.6).sum()
    codes = np.array(deps["code_departement"].tolist(), dtype=object)
    idx = rng.choice(len(codes), size=n, p=sample_p)
    w = (pop / pop.sum())[idx] / sample_p[idx] * rng.lognormal(0, 0.2, n)
    w = np.round(w / w.mean(), 4)

    def here(icc: str) -> np.ndarray:  # inhabitants: their département is the cluster
        return cluster_effect(rng, codes[idx], ICC[icc])

    return pa.table({
        "id_reponse": [f"H{i + 1:05d}" for i in range(n)],
        "date_reponse": _survey_dates(rng, n),
        "code_departement": codes[idx].tolist(),
        "poids": w.tolist(),
        "connait_maison_commune": yes_no(rng, w, 45, here("forte")).tolist(),
        "qualite_offre": assign(rng, w, {"tres_bonne": 18, "plutot_bonne": 52, "plutot_mauvaise": 21, "tres_mauvaise": 9},
                                missing=0.06).tolist(),
        "acces_numerique_facilite": yes_no(rng, w, 87, missing=0.03).tolist(),
        "sexe": _choice(rng, {"femme": 52, "homme": 48}, n).tolist(),
        "tranche_age": _choice(rng, AGES, n).tolist(),
        **_impact_columns(rng, w, [72, 66, 49, 69, 47], lambda: here("faible")),
    })


# --- Building the store ---------------------------------------------------------------

def build(path: str | Path, seed: int = 42, force: bool = False, activity: bool = True) -> dict:
    """Build the demonstration store at ``path`` (atomically: a half-built file never replaces it)."""
    path = Path(path)
    if path.exists() and not force:
        con = connect(path, read_only=True)
        try:
            real = con.execute("SELECT count(*) FROM imports WHERE NOT demo AND statut = ?", [STATUT_CHARGE]).fetchall()[0][0]
        finally:
            con.close()
        if real:
            raise StoreError(f"La base {path} contient {real} import(s) de données réelles : la démonstration ne la "
                             "remplace pas. Choisissez un autre fichier (--db) ou ajoutez --force.")
    rng = np.random.default_rng(seed)
    with writing(path, fresh=True) as con:  # built aside, swapped in whole: a half-built store never replaces it
        maisons = maisons_table(rng)
        label = f"démonstration {REFERENCE} (graine {seed})"
        results = [import_table(con, maisons, "maisons", fichier=f"{label} : registre", auteur=AUTEUR, demo=True)]
        act = activite_table(rng, maisons) if activity else None
        if act is not None:
            results.append(import_table(con, act, "activite", fichier=f"{label} : activité 2016", auteur=AUTEUR, demo=True))
        per_maison = _activity_weights(act, maisons) if act is not None else None
        results.append(import_table(con, usagers_table(rng, maisons, per_maison if per_maison is not None
                                                       else np.full(maisons.num_rows, 1 / maisons.num_rows)),
                                    "usagers", fichier=f"{label} : enquête usagers", auteur=AUTEUR, demo=True))
        results.append(import_table(con, agents_table(rng, maisons), "agents", fichier=f"{label} : enquête agents",
                                    auteur=AUTEUR, demo=True))
        results.append(import_table(con, habitants_table(rng), "habitants", fichier=f"{label} : enquête habitants",
                                    auteur=AUTEUR, demo=True))
        with transaction(con):
            for key, value in (("demo", "oui"), ("graine", str(seed)), ("reference", REFERENCE)):
                con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
    return {r.kind: r.lignes_chargees for r in results}


def _activity_weights(act: pa.Table, maisons: pa.Table) -> np.ndarray:
    ids = maisons.column("id_maison").to_pylist()
    counts = act.group_by("id_maison").aggregate([("id_maison", "count")]).to_pydict()
    per = dict(zip(counts["id_maison"], counts["id_maison_count"]))
    w = np.array([per.get(i, 0) for i in ids], dtype=float) + 1
    return w / w.sum()
