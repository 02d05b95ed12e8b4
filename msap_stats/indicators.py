"""The indicators, as named query functions over the store.

Every function takes a connection (or cursor) and a ``Filters`` and returns
numbers or DataFrames; the dashboard, the command line and the exports call
the same functions.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import numpy as np
import pandas as pd

from . import stats
from .survey import calibration, questions
from .survey.calibration import Calibrated
from .survey.design import ALPHA, Design, differences, equal_across, holm, proportions, wave_change
from .referentiels import OPERATEURS_EMPLOI_SOCIAL, PARTENAIRES_NATIONAUX
from .schema import KINDS, SANTE_DEPENDANCE, SURVEYS
from .perimetre import ALL_WAVES, FILTER_PARAMS, Filters  # noqa: F401 (the queries' perimeter, named here too)
from .store import (IN_FORCE, SUMMARY_CARRIED, data_version, db_file, fixed, is_demo, lit, network_sql, q, summary_columns,
                    summary_level, with_places)


# Dimensions of a Maison that survey answers and requests can be broken down by.
MAISON_DIMENSIONS = ("code_region", "region", "code_departement", "departement", "format", "structure_porteuse",
                     "type_territoire", "nom")


# Filters on what a list of Maisons may not give (the national lists have no porteur): where no site of the registry
# gives it, the filter cannot be answered and does not apply — never a perimeter of zero Maisons.
UNTOLD = {"formats": ("format", "le format des Maisons"),
          "porteurs": ("structure_porteuse", "la structure porteuse")}


def _maison_conditions(f: Filters, params: dict, prefix: str = "") -> list[str]:
    conds = []
    for attr, column in (("regions", "code_region"), ("departements", "code_departement"),
                         ("formats", "format"), ("porteurs", "structure_porteuse")):
        values = getattr(f, attr)
        if values:
            cond = f"list_contains(${attr}, {prefix}{q(column)})"
            if attr in UNTOLD:
                cond = f"({cond} OR NOT EXISTS (SELECT 1 FROM sites WHERE {q(column)} IS NOT NULL))"
            conds.append(cond)
            params[attr] = list(values)
    return conds


def untold_filters(con, f: Filters) -> list[str]:
    """What the chosen filters ask that the registry does not give (those filters do not apply), in words."""
    return [said for attr, (column, said) in UNTOLD.items() if getattr(f, attr) and not con.execute(
        f"SELECT count({q(column)}) FROM sites").fetchall()[0][0]]


def _period_conditions(f: Filters, column: str, params: dict) -> list[str]:
    conds = []
    if f.debut:
        conds.append(f"{column} >= CAST($debut || '-01' AS DATE)")
        params["debut"] = f.debut
    if f.fin:
        conds.append(f"{column} < CAST($fin || '-01' AS DATE) + INTERVAL 1 MONTH")
        params["fin"] = f.fin
    return conds


def wave_sql(kind: str, f: Filters, params: dict, column: str = "vague") -> str | None:
    """The condition keeping one wave of a survey: the one asked, or else the latest with answers in the period
    (by its last answer's date); None when the waves are pooled on purpose."""
    if f.vague == ALL_WAVES:
        return None
    if f.vague:
        params["vague"] = f.vague
        return f"{column} = $vague"
    period = _where(_period_conditions(f, "date_reponse", params))
    return (f"{column} = (SELECT vague FROM {kind}_actifs{period} GROUP BY vague "
            "ORDER BY max(date_reponse) DESC, vague DESC LIMIT 1)")


def waves(con, kind: str) -> pd.DataFrame:
    """The waves of a survey, latest first: label, answers, first and last dates, clusters."""
    cluster = q(KINDS[kind].cluster)
    return _df(con, f"SELECT vague, count(*) AS n, min(date_reponse) AS debut, max(date_reponse) AS fin, "
                    f"count(DISTINCT {cluster}) AS grappes FROM {kind}_actifs GROUP BY vague "
                    "ORDER BY max(date_reponse) DESC, vague DESC", {})


def all_waves(con) -> list[str]:
    """Every wave label of the three surveys, latest first."""
    rows = con.execute(" UNION ALL ".join(f"SELECT vague, max(date_reponse) AS fin FROM {k}_actifs GROUP BY 1"
                                          for k in SURVEYS)).fetchall()
    latest: dict[str, object] = {}
    for label, end in rows:
        latest[label] = max(end, latest.get(label, end))
    return sorted(latest, key=lambda w: (latest[w], w), reverse=True)


def said_wave(con, kind: str, f: Filters) -> str | None:
    """The wave a figure says it rests on: None while the survey has a single wave (nothing to tell apart)."""
    several = fixed(con, ("waves", kind),
                    lambda: con.execute(f"SELECT count(DISTINCT vague) > 1 FROM {kind}_actifs").fetchall()[0][0])
    if not several:
        return None
    return ALL_WAVES if f.vague == ALL_WAVES else wave_of(con, kind, f)


def wave_of(con, kind: str, f: Filters) -> str | None:
    """The wave the figures of ``kind`` rest on under ``f`` (None: waves pooled, or no answers)."""
    params: dict = {}
    cond = wave_sql(kind, f, params)
    if cond is None:
        return None
    found = con.execute(f"SELECT DISTINCT vague FROM {kind}_actifs WHERE {cond}", params).fetchall()
    return found[0][0] if found else None


def scope(kind: str, f: Filters, with_maison: bool = False, columns: tuple[str, ...] = (),
          per_maison: bool = False) -> tuple[str, dict]:
    """A subquery of the rows of ``kind`` in force within the perimeter (for a survey: in one wave). Activity is
    read from its summary (``store.SUMMARY_LEVELS``), at the grain holding ``columns`` (the activity columns the
    query breaks requests down by), per Maison only where the query needs the Maison (``per_maison``), with the
    Maisons' filter attributes on each row."""
    params: dict = {}
    level = summary_level(columns, per_maison or bool(f.formats or f.porteurs)) if kind == "activite" else None
    if level is not None:
        conds = [f"t.niveau = {level}", *_period_conditions(f, "t.mois", params), *_maison_conditions(f, params, "t.")]
        held = ", ".join(f"t.{q(c)}" for c in summary_columns(level))
        return f"(SELECT {held} FROM activite_resume t{_where(conds)})", params
    if kind == "maisons":
        conds = _maison_conditions(f, params)
        if f.date_reseau:
            params["date_reseau"] = f.date_reseau
            network = with_places(network_sql("CAST($date_reseau AS DATE)"))
            return f"(SELECT * FROM ({network}){_where(conds)})", params
        return f"(SELECT * FROM maisons_v{_where(conds)})", params
    date_col = {"activite": "mois", "habitants": "date_reponse"}.get(kind, "date_reponse")
    conds = _period_conditions(f, f"t.{date_col}", params)
    wave = wave_sql(kind, f, params, "t.vague") if kind in SURVEYS else None
    conds += [wave] if wave else []
    if kind == "habitants":  # inhabitants belong to a département, not to a Maison
        geo = []
        if f.regions:
            geo.append("list_contains($regions, d.code_region)")
            params["regions"] = list(f.regions)
        if f.departements:
            geo.append("list_contains($departements, t.code_departement)")
            params["departements"] = list(f.departements)
        sql = (f"(SELECT t.*, d.code_region, d.region, d.departement FROM habitants_actifs t "
               f"LEFT JOIN ref_departements d USING (code_departement){_where(conds + geo)})")
        return sql, params
    if with_maison:
        conds += _maison_conditions(f, params, "m.")
        columns = ", ".join(f"m.{q(c)}" for c in MAISON_DIMENSIONS)
        return (f"(SELECT t.*, {columns} FROM {kind}_actifs t JOIN sites m USING (id_maison){_where(conds)})",
                params)
    maison_conds = _maison_conditions(f, params)
    if maison_conds:
        conds.append(f"t.id_maison IN (SELECT id_maison FROM sites{_where(maison_conds)})")
    return f"(SELECT t.* FROM {kind}_actifs t{_where(conds)})", params


def _where(conds: list[str]) -> str:
    return " WHERE " + " AND ".join(conds) if conds else ""


def _df(con, sql: str, params: dict) -> pd.DataFrame:
    return con.execute(sql, params).df()


# --- Surveys -----------------------------------------------------------------

# The survey indicators as ``shares`` computes them: key -> (French label, SQL condition true/false/NULL), from the
# one catalog of ``survey.questions``.
SURVEY_INDICATORS: dict[str, dict[str, tuple[str, str]]] = {
    kind: {key: i.item for key, i in catalog.items()} for kind, catalog in questions.INDICATORS.items()}
MOTIFS = {key: i.item for key, i in questions.MOTIFS.items()}
IMPACTS = {key: i.item for key, i in questions.IMPACTS["usagers"].items()}  # the same questions in each survey


def shares(con, kind: str, items: dict[str, tuple[str, str]], f: Filters, by: str | None = None) -> pd.DataFrame:
    """Weighted shares of several yes/no items (multi-response questions are computed per item).

    Returns [by,] item, libelle, n, n_eff, pct, ic_bas, ic_haut, raison.
    """
    if not items:
        return pd.DataFrame()
    src, params = scope(kind, f, with_maison=by in MAISON_DIMENSIONS and kind != "habitants")
    design = survey_design(con, kind, f)
    calibrated = design.calibration is not None
    aggs, cells = _design_sums(items, design)
    group = f"{q(by)}, " if by else ""
    sql = (f"SELECT {group}t.{q(KINDS[kind].cluster)} AS _grappe, t.strate AS _strate, {cells}"
           f"bool_or(t.poids_base <> 1) AS _pondere, {aggs} FROM {src} t GROUP BY ALL")
    agg = _df(con, sql, params)
    out = proportions(agg, list(items), design, by)
    if by:  # each category against the rest of the perimeter
        tests = differences(agg, list(items), design, by, out)
        out = out.merge(tests, on=[by, "item"], how="left")
        out["ecart_significatif"] = out["ecart_significatif"].astype("boolean").fillna(False).astype(bool)
    out.insert(1 if by else 0, "libelle", out["item"].map({k: v[0] for k, v in items.items()}))
    out["vague"] = said_wave(con, kind, f)
    out["pondere"] = bool(agg["_pondere"].any()) if len(agg) else False  # the weighting the figures rest on
    out["redressement"] = ", ".join(design.calibration.labels) if calibrated else None
    return out


def _design_sums(items: dict[str, tuple[str, str]], design: Design) -> tuple[str, str]:
    """The SQL sums of each item that ``design`` needs, and the calibration cell column when it is calibrated."""
    calibrated = design.calibration is not None
    aggs = ", ".join(stats.aggregates_sql(cond, key, base_weight="poids_base" if calibrated else None)
                     for key, (_, cond) in items.items())
    return aggs, "t._cellule AS _cellule, " if calibrated else ""


def coded_items(kind: str, column: str) -> dict[str, tuple[str, str]]:
    """Each code of a coded column as an item of ``shares``, among those who answered."""
    return {c.code: (c.label, questions.code_condition(kind, column, (c.code,))) for c in KINDS[kind].column(column).codes}


INCOMPLETE = "répartition incomplète"


def distribution(con, kind: str, column: str, f: Filters, by: str | None = None) -> pd.DataFrame:
    """Weighted share of each code of a coded column, among those who answered. A distribution is shown whole or
    not at all: where one of its codes has no figure, none of that group's codes has (the reason says which was
    lacking), so that a chart never draws a sliver of it."""
    out = shares(con, kind, coded_items(kind, column), f, by)
    if out.empty:
        return out
    groups = out.groupby(by, dropna=False) if by else [(None, out)]
    for _, part in groups:
        lacking = part[part["pct"].isna()]
        if len(lacking) and len(lacking) < len(part):
            index = part.index
            why = lacking["raison"].dropna()
            out.loc[index, "raison"] = f"{INCOMPLETE} ({why.iloc[0] if len(why) else 'une modalité sans chiffre'})"
            out.loc[index, ["pct", "ic_bas", "ic_haut"]] = float("nan")
            if "ecart_significatif" in out:
                out.loc[index, "ecart_significatif"] = False
                out.loc[index, "p_valeur"] = float("nan")
    return out


def arrival_years(con, f: Filters) -> pd.DataFrame:
    """Share of the agents by year of arrival in the network, among those who gave it."""
    src, params = scope("agents", f)
    years = [int(r[0]) for r in con.execute(f"SELECT DISTINCT annee_arrivee FROM {src} t WHERE annee_arrivee IS NOT NULL "
                                            "ORDER BY 1", params).fetchall()]
    return shares(con, "agents", {str(y): (str(y), f"annee_arrivee = {y}") for y in years}, f)


_DESIGNS: dict[tuple, Design] = {}  # the designs read from stores on disk, by what they depend on (a few dozen)
_DESIGNS_LOCK = threading.Lock()


def survey_design(con, kind: str, f: Filters = Filters(), waves: tuple[str, str] | None = None) -> Design:
    """The wave's whole survey, whatever the other filters: its clusters (every perimeter is a domain of it); with
    ``waves``, the design of two waves together (a Maison in both is one cluster). Read once per version of the data
    and wave: every figure of every perimeter rests on the same design."""
    path = db_file(con)
    if path is None:  # a store in memory has no identity to remember it by
        return _survey_design(con, kind, f, waves)
    key = (str(path), data_version(con), kind, f.vague, f.debut, f.fin, waves)
    design = _DESIGNS.get(key)
    if design is None:
        design = _survey_design(con, kind, f, waves)
        with _DESIGNS_LOCK:  # pages run in threads of their own
            if len(_DESIGNS) >= 64:
                _DESIGNS.pop(next(iter(_DESIGNS)))
            _DESIGNS[key] = design
    return design


def _survey_design(con, kind: str, f: Filters, waves: tuple[str, str] | None) -> Design:
    k = KINDS[kind]
    params: dict = {}
    if waves:
        params.update(w0=waves[0], w1=waves[1])
        wave = "vague IN ($w0, $w1)"
    else:
        wave = wave_sql(kind, f, params)
    where = _where([wave] if wave else [])
    clusters = con.execute(f"SELECT count(DISTINCT {q(k.cluster)}) FROM {kind}_actifs{where}", params).fetchall()[0][0]
    strata = con.execute(f"SELECT strate, count(DISTINCT {q(k.cluster)}), max(fpc) FROM {kind}_actifs{where} "
                         "GROUP BY 1", params).fetchall()
    plain = len(strata) <= 1 and all(s is None and fpc is None for s, _, fpc in strata)
    # The finite-population correction: 1 − n_h/N_h from the stratum's population, or 1 − f from a fraction.
    by_stratum = None if plain else {s: (int(n), 1.0 - (fpc if fpc <= 1 else n / fpc) if fpc else 1.0)
                                     for s, n, fpc in strata}
    calibration, cluster_strata = _calibration(con, kind, wave, params)
    return Design(int(clusters), k.cluster_unit, by_stratum, calibration, cluster_strata)


def _calibration(con, kind: str, wave: str | None, params: dict) -> tuple[Calibrated | None, np.ndarray | None]:
    """The calibrations in force on the wave(s) in scope, as their variance needs them (None: none)."""
    params = {**params, "kind": kind}
    in_wave = f" AND {wave}" if wave else ""
    models = con.execute(f"SELECT id_redressement, modele FROM redressements WHERE kind = $kind "
                         f"AND statut = '{calibration.IN_FORCE}'{in_wave} ORDER BY 1", params).fetchall()
    if not models:
        return None, None
    params.pop("kind")
    where = _where([wave] if wave else [])
    cluster = q(KINDS[kind].cluster)
    cells = _df(con, f"SELECT _cellule, sum(poids_base) AS bw FROM {kind}_actifs{where} GROUP BY 1", params)
    by_cluster_cell = _df(con, f"SELECT {cluster} AS _grappe, _cellule, sum(poids) AS w FROM {kind}_actifs{where} "
                               "GROUP BY ALL", params)
    clusters = _df(con, f"SELECT {cluster} AS _grappe, any_value(strate) AS strate, count(*) AS n "
                        f"FROM {kind}_actifs{where} GROUP BY 1 ORDER BY 1", params)
    parsed = {str(i): json.loads(m) for i, m in models}
    cal = calibration.calibrated({i: calibration.Model(tuple(m["variables"]), tuple(map(tuple, m["modalites"])))
                                  for i, m in parsed.items()},
                                 cells.dropna(subset=["_cellule"]).set_index("_cellule")["bw"],
                                 by_cluster_cell.dropna(subset=["_cellule"]), list(clusters["_grappe"]),
                                 int(clusters["n"].sum()),
                                 tuple(dict.fromkeys(lab for m in parsed.values() for lab in m["libelles"])))
    strata = clusters["strate"].to_numpy(object) if clusters["strate"].notna().any() else None
    return cal, strata


def survey_count(con, kind: str, f: Filters) -> int:
    """The answers of a survey in the perimeter; asked once per reader (the charts of a page ask it again)."""
    def count() -> int:
        src, params = scope(kind, f)
        return int(con.execute(f"SELECT count(*) FROM {src}", params).fetchall()[0][0])
    return fixed(con, ("survey_count", kind, f), count)


def survey_summary(con, kind: str, f: Filters) -> dict:
    """What a methodology box says of a survey in the perimeter: answers, dates, clusters, weighting."""
    src, params = scope(kind, f)
    cluster = KINDS[kind].cluster
    n, first, last, clusters, weighted, strata, fpc, cells = con.execute(
        f"SELECT count(*), min(date_reponse), max(date_reponse), count(DISTINCT {q(cluster)}), "
        f"coalesce(bool_or(poids_base <> 1), false), count(DISTINCT strate), count(fpc), "
        f"list(DISTINCT split_part(_cellule, ':', 1)) FILTER (WHERE _cellule IS NOT NULL) FROM {src} t",
        params).fetchall()[0]
    calibrations = [json.loads(m) for (m,) in con.execute(
        "SELECT modele FROM redressements WHERE list_contains(?, id_redressement::VARCHAR) ORDER BY id_redressement",
        [cells or []]).fetchall()]
    return {"n": int(n), "debut": first, "fin": last, "grappes": int(clusters), "pondere": bool(weighted),
            "strates": int(strata), "fpc": bool(fpc),
            "redressement": [{"sur": ", ".join(m["libelles"]), "source": m.get("source"), "borne": m.get("borne")}
                             for m in calibrations],
            "unite": KINDS[kind].cluster_unit, "vague": wave_of(con, kind, f),
            "vagues": int(con.execute(f"SELECT count(DISTINCT vague) FROM {kind}_actifs").fetchall()[0][0])}


def imports_in_force(con) -> pd.DataFrame:
    """The files whose rows are in force, per kind: file, import date, author (and a list's version date)."""
    return _df(con, f"SELECT kind, fichier, date_import, auteur, demo, date_version FROM imports WHERE {IN_FORCE} "
                    "ORDER BY kind, date_import", {})


def _figures(df: pd.DataFrame) -> dict:
    return {row["item"]: stats.as_figure(row) for _, row in df.iterrows()}


def survey_families(kind: str) -> dict[str | None, dict[str, tuple[str, str]]]:
    """The survey's figures by chart (None: the headline figures), as ``indicators`` names them."""
    families: dict = {None: SURVEY_INDICATORS[kind]}
    if kind == "usagers":
        families.update(motifs=MOTIFS, satisfaction_accueil=coded_items(kind, "satisfaction_accueil"),
                        attentes=coded_items(kind, "attente_principale"))
    families["impacts"] = IMPACTS
    return families


def _weighting_one(part: pd.DataFrame) -> str:
    calibrated = sorted({r for r in part.get("redressement", ()) if isinstance(r, str) and r})
    if calibrated:
        return "redressé sur " + " ; ".join(calibrated) + (" (poids du fichier calés)" if part["pondere"].any() else "")
    return "pondéré (poids du fichier)" if part["pondere"].any() else "non pondéré"


def weighting(shares: pd.DataFrame) -> str:
    """The weighting the figures rest on: "redressé sur sexe, tranche d'âge" when the wave is calibrated,
    "pondéré (poids du fichier)" when the file's weights vary, "non pondéré" when there are none (every weight 1);
    by public when a chart mixes surveys weighted differently."""
    if "pondere" not in shares or shares.empty:
        return "non pondéré"
    if "public" in shares:
        said = {p: _weighting_one(part) for p, part in shares.groupby("public", sort=False)}
        if len(set(said.values())) > 1:
            return ", ".join(f"{w} pour {p}" for p, w in said.items())
    return _weighting_one(shares)


def survey_indicators(con, kind: str, f: Filters) -> dict:
    out: dict = {"n": survey_count(con, kind, f), "vague": wave_of(con, kind, f)}
    for family, items in survey_families(kind).items():
        found = shares(con, kind, items, f)
        out.setdefault("ponderation", weighting(found))
        figures = _figures(found)
        if family is None:
            out.update(figures)
        else:
            out[family] = figures
    return out


def wave_pair(con, kind: str, de: str | None = None, a: str | None = None) -> tuple[str, str] | None:
    """The two waves compared: those asked, or else the latest two (the latest last); None with fewer than two."""
    labels = list(waves(con, kind)["vague"])
    a = a or (labels[0] if labels else None)
    de = de or next((w for w in labels if w != a), None)
    return (de, a) if de and a and de != a else None


def change(con, kind: str, items: dict[str, tuple[str, str]], f: Filters, de: str, a: str) -> pd.DataFrame:
    """Each item in the two waves (``de_`` and ``a_`` pct, ic_bas, ic_haut, n, raison) and its change: ecart,
    ic_bas, ic_haut in points, p_valeur, p_holm (corrected across the items) and ecart_significatif. A change is
    given only where both waves' figures are (the same rules of size); the design is the two waves' clusters."""
    before, after = (shares(con, kind, items, replace(f, vague=w)) for w in (de, a))
    src, params = scope(kind, replace(f, vague=ALL_WAVES))
    design = survey_design(con, kind, f, waves=(de, a))
    aggs, cells = _design_sums(items, design)
    cluster = q(KINDS[kind].cluster)
    params.update(de=de, a=a)
    agg = _df(con, f"SELECT t.vague, t.{cluster} AS _grappe, t.strate AS _strate, {cells}{aggs} FROM {src} t "
                   "WHERE t.vague IN ($de, $a) GROUP BY ALL", params)
    moved = wave_change(agg, list(items), design, de, a)
    keep = ["item", "pct", "ic_bas", "ic_haut", "n", "raison"]
    out = (before[["libelle", *keep]].rename(columns={c: f"de_{c}" for c in keep if c != "item"})
           .merge(after[keep].rename(columns={c: f"a_{c}" for c in keep if c != "item"}), on="item")
           .merge(moved, on="item"))
    both = out["de_pct"].notna() & out["a_pct"].notna()
    out.loc[~both, ["ecart", "ic_bas", "ic_haut", "p_valeur"]] = float("nan")
    tested = both & out["p_valeur"].notna()
    out["p_holm"] = float("nan")
    out.loc[tested, "p_holm"] = holm(list(out.loc[tested, "p_valeur"]))
    out["ecart_significatif"] = tested & (out["p_holm"] < ALPHA)
    out["pondere"] = bool(before["pondere"].any() or after["pondere"].any())
    calibrated = sorted({r for r in (*before["redressement"], *after["redressement"]) if isinstance(r, str)})
    out["redressement"] = ", ".join(calibrated) if calibrated else None  # said by the chart's base
    return out


def impacts_compared(con, f: Filters) -> pd.DataFrame:
    """The perceived territorial impacts, side by side for the three publics, and whether each effect differs
    between them: ``ecart`` (points, highest − lowest of the publics whose figure has an interval), ``p_valeur``
    (``design.equal_across``, Holm across the effects) and ``ecart_significatif``, the same on each row of an effect."""
    frames = []
    for kind in ("usagers", "agents", "habitants"):
        df = shares(con, kind, IMPACTS, f)
        df.insert(0, "public", kind)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    tested = out.dropna(subset=["pct", "se"]).groupby("item").filter(lambda g: len(g) > 1)
    gaps = tested.groupby("item")["pct"].agg(lambda s: s.max() - s.min())
    raw = {item: equal_across(g["pct"].to_numpy(), g["se"].to_numpy()) for item, g in tested.groupby("item")}
    adjusted = dict(zip(raw, holm(list(raw.values()))))
    out["ecart"] = out["item"].map(gaps)
    out["p_valeur"] = out["item"].map(adjusted)
    out["ecart_significatif"] = out["p_valeur"] < ALPHA
    return out


# --- Maisons -----------------------------------------------------------------

def maisons_summary(con, f: Filters) -> dict:
    src, params = scope("maisons", f)
    total, known, unknown, median, maximum, over24 = con.execute(
        f"SELECT count(*), count(heures_hebdo), count(*) - count(heures_hebdo), median(heures_hebdo), "
        f"max(heures_hebdo), count(*) FILTER (WHERE heures_hebdo >= 24) FROM {src}", params).fetchall()[0]
    per_dep = con.execute(f"SELECT code_departement, count(*) FROM {src} GROUP BY 1 ORDER BY 1", params).fetchall()
    return {
        "total": int(total),
        "par_departement": {code: int(n) for code, n in per_dep},
        "heures_hebdo": {
            "mediane": None if median is None else round(float(median), 2),
            "max": None if maximum is None else round(float(maximum), 2),
            "inconnues": int(unknown),
            "part_24h": None if not known else round(100 * over24 / known, 2),
        },
    }


def maisons_count_by(con, f: Filters, column: str) -> pd.DataFrame:
    src, params = scope("maisons", f)
    return _df(con, f"SELECT {q(column)} AS code, count(*) AS maisons FROM {src} GROUP BY 1 ORDER BY 2 DESC", params)


def maisons_with_list(con, f: Filters, column: str) -> pd.DataFrame:
    """Number of Maisons holding each value of a list column (operators, partnerships)."""
    src, params = scope("maisons", f)
    return _df(con, f"SELECT v AS code, count(DISTINCT id_maison) AS maisons FROM "
                    f"(SELECT id_maison, unnest({q(column)}) AS v FROM {src}) GROUP BY 1 ORDER BY 2 DESC", params)


# --- Activity -----------------------------------------------------------------

def activity_total(con, f: Filters) -> int:
    src, params = scope("activite", f)
    return int(con.execute(f"SELECT coalesce(sum(nb), 0) FROM {src}", params).fetchall()[0][0])


# A Maison's dimension read from a carried code: its name, from the reference table (no join with the registry).
NAMED_BY_CODE = {"region": ("code_region", "SELECT DISTINCT code_region, region FROM ref_departements"),
                 "departement": ("code_departement", "SELECT code_departement, departement FROM ref_departements")}


def _activity_grouped(con, f: Filters, dims: tuple[str, ...]) -> pd.DataFrame:
    """Requests summed by ``dims`` (as columns d0, d1…, and n), from the summary: per territory unless a dimension
    needs the Maison (its name, its kind of territory); a Maison's dimension is then joined after summing per
    Maison, where the join meets thousands of rows, not millions."""
    names = [f"d{i}" for i in range(len(dims))]
    by_maison = [d for d in dims if d in MAISON_DIMENSIONS and d not in SUMMARY_CARRIED and d not in NAMED_BY_CODE]
    src, params = scope("activite", f, columns=dims, per_maison=bool(by_maison))
    if by_maison:
        own = [d for d in dims if d not in MAISON_DIMENSIONS]
        inner = ", ".join(["id_maison", *(q(d) for d in own)])
        select = ", ".join(f"{'g' if d in own else 'm'}.{q(d)} AS {n}" for d, n in zip(dims, names))
        return _df(con, f"SELECT {select}, sum(g.n) AS n FROM (SELECT {inner}, sum(nb) AS n FROM {src} t GROUP BY "
                        f"ALL) g JOIN sites m USING (id_maison) GROUP BY ALL", params)
    codes = [NAMED_BY_CODE[d][0] if d in NAMED_BY_CODE else d for d in dims]
    grouped = f"SELECT {', '.join(q(c) for c in dict.fromkeys(codes))}, sum(nb) AS n FROM {src} t GROUP BY ALL"
    joins = "".join(f" LEFT JOIN ({NAMED_BY_CODE[d][1]}) USING ({q(NAMED_BY_CODE[d][0])})"
                    for d in dict.fromkeys(dims) if d in NAMED_BY_CODE)
    select = ", ".join(f"{q(d)} AS {n}" for d, n in zip(dims, names))
    return _df(con, f"SELECT {select}, n FROM ({grouped}) g{joins}", params)


def activity_by(con, f: Filters, column: str) -> pd.DataFrame:
    """Requests by one dimension: code, n, pct (of all requests in the perimeter)."""
    df = _activity_grouped(con, f, (column,)).rename(columns={"d0": "code"})
    df["pct"] = (100.0 * df["n"] / df["n"].sum()).round(2) if len(df) else pd.Series(dtype=float)
    return df.sort_values("n", ascending=False, kind="stable", ignore_index=True)


def activity_indicators(con, f: Filters) -> dict:
    by_theme = activity_by(con, f, "thematique")
    return {
        "demandes": activity_total(con, f),
        "par_thematique": {r.code: {"n": int(r.n), "pct": float(r.pct)} for r in by_theme.itertuples()},
    }


WEEKS_PER_MONTH = 52 / 12


def activity_year_on_year(con, f: Filters) -> pd.DataFrame:
    """Each month of the period against the same month a year earlier (read whatever the period): requests,
    Maisons that reported, requests per Maison and per opening hour (Maisons whose hours are known); the change on
    the Maisons that reported in both months (a Maison without a report is said, never counted as zero); the
    rolling twelve months where twelve months are known."""
    src, params = scope("activite", replace(f, debut=None, fin=None), per_maison=True)
    sql = f"""
    WITH per AS (SELECT mois, id_maison, sum(nb) AS n FROM {src} t GROUP BY ALL),
    hours AS (SELECT p.mois, sum(p.n) AS n, sum(m.heures_hebdo) * {WEEKS_PER_MONTH} AS heures
              FROM per p JOIN sites m USING (id_maison) WHERE m.heures_hebdo > 0 GROUP BY 1),
    cur AS (SELECT mois, sum(n) AS demandes, count(*) AS maisons FROM per GROUP BY 1),
    both_years AS (SELECT a.mois, count(*) AS maisons_constantes, sum(b.n) AS constant_avant, sum(a.n) AS constant_apres
                   FROM per a JOIN per b ON b.id_maison = a.id_maison AND b.mois = CAST(a.mois - INTERVAL 12 MONTH AS DATE)
                   GROUP BY 1),
    lost AS (SELECT CAST(b.mois + INTERVAL 12 MONTH AS DATE) AS mois, count(*) AS sans_declaration FROM per b
             ANTI JOIN per a ON a.id_maison = b.id_maison AND a.mois = CAST(b.mois + INTERVAL 12 MONTH AS DATE)
             GROUP BY 1)
    SELECT strftime(c.mois, '%Y-%m') AS mois, c.demandes, c.maisons, c.demandes / c.maisons AS par_maison,
           h.n / h.heures AS par_heure, p.demandes AS demandes_un_an_avant, p.maisons AS maisons_un_an_avant,
           x.maisons_constantes, x.constant_avant, x.constant_apres,
           100.0 * (x.constant_apres / x.constant_avant - 1) AS evolution_pct,
           CASE WHEN p.maisons IS NULL THEN NULL ELSE coalesce(l.sans_declaration, 0) END AS sans_declaration,
           CASE WHEN count(*) OVER w = 12 THEN sum(c.demandes) OVER w END AS cumul_12_mois
    FROM cur c LEFT JOIN cur p ON p.mois = CAST(c.mois - INTERVAL 12 MONTH AS DATE)
    LEFT JOIN both_years x ON x.mois = c.mois LEFT JOIN lost l ON l.mois = c.mois LEFT JOIN hours h ON h.mois = c.mois
    WINDOW w AS (ORDER BY c.mois RANGE BETWEEN INTERVAL 11 MONTH PRECEDING AND CURRENT ROW)
    ORDER BY c.mois"""
    df = _df(con, sql, params)
    if f.debut:
        df = df[df["mois"] >= f.debut]
    if f.fin:
        df = df[df["mois"] <= f.fin]
    return df.reset_index(drop=True)


def activity_change_by(con, f: Filters, column: str) -> pd.DataFrame:
    """The last twelve months of the period against the twelve before, by ``column`` (thématique, région…), on
    the Maisons that reported in both years: code, avant, apres, evolution_pct; with the months compared."""
    src, params = scope("activite", replace(f, debut=None, fin=None), columns=(column,), per_maison=True)
    # Which Maisons reported, and when: read at the grain of Maisons and months (the same pairs, fewer rows).
    reports, same = scope("activite", replace(f, debut=None, fin=None), per_maison=True)
    params.update(same)
    last = con.execute(f"SELECT max(mois) FROM {reports} t" + (" WHERE mois <= CAST($fin || '-01' AS DATE)"
                                                               if f.fin else ""),
                       {**params, **({"fin": f.fin} if f.fin else {})}).fetchall()[0][0]
    if last is None:
        return pd.DataFrame(columns=["code", "avant", "apres", "evolution_pct"])
    params.update(fin_an=last)
    year = "CASE WHEN t.mois > CAST($fin_an - INTERVAL 12 MONTH AS DATE) THEN 'apres' ELSE 'avant' END"
    window = "t.mois > CAST($fin_an - INTERVAL 24 MONTH AS DATE) AND t.mois <= $fin_an"
    joined = column in MAISON_DIMENSIONS and column not in SUMMARY_CARRIED
    dim = f"m.{q(column)}" if joined else f"t.{q(column)}"
    join = "JOIN sites m USING (id_maison)" if joined else ""
    sql = f"""
    WITH rows AS (SELECT t.id_maison, {dim} AS code, {year} AS an, t.nb FROM {src} t {join} WHERE {window}),
    constant AS (SELECT id_maison FROM {reports} t WHERE {window} GROUP BY 1 HAVING count(DISTINCT {year}) = 2)
    SELECT code, sum(nb) FILTER (an = 'avant') AS avant, sum(nb) FILTER (an = 'apres') AS apres
    FROM rows SEMI JOIN constant USING (id_maison) GROUP BY 1 ORDER BY apres DESC NULLS LAST"""
    df = _df(con, sql, params)
    df["evolution_pct"] = 100.0 * (df["apres"] / df["avant"] - 1)
    df.attrs["mois"] = (last.year, last.month)
    return df


def activity_evolution(con, f: Filters) -> dict:
    """What ``evolution --kind activite`` gives: the months year on year, the change by thématique and région."""
    def records(df: pd.DataFrame) -> list[dict]:
        return [{k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                for r in df.to_dict("records")]

    by_theme = activity_change_by(con, f, "thematique")
    return {"perimetre": f.describe(), "mois": records(activity_year_on_year(con, f)),
            "douze_derniers_mois_jusqu_a": "{:04d}-{:02d}".format(*by_theme.attrs["mois"]) if "mois" in by_theme.attrs
            else None,
            "par_thematique": records(by_theme), "par_region": records(activity_change_by(con, f, "code_region"))}


def activity_by_pair(con, f: Filters, first: str, second: str) -> pd.DataFrame:
    """Requests by two dimensions: a, b, n, and pct of all requests of ``a``."""
    df = _activity_grouped(con, f, (first, second)).rename(columns={"d0": "a", "d1": "b"})
    df = df.sort_values(["a", "b"], ignore_index=True)
    # The shares on the grouped rows, here: a window function in the query doubles its time at 10 M rows.
    df["pct"] = (100.0 * df["n"] / df.groupby("a", dropna=False)["n"].transform("sum")).round(2)
    return df


def health_share_by_month(con, f: Filters) -> pd.DataFrame:
    """Per month: requests on health or dependency (``schema.SANTE_DEPENDANCE``), all requests, and the share."""
    src, params = scope("activite", f, columns=("thematique",))
    listed = ", ".join(lit(c) for c in SANTE_DEPENDANCE)
    return _df(con, f"SELECT mois, sum(nb) FILTER (WHERE thematique IN ({listed})) AS sante, "
                    f"sum(nb) AS total FROM {src} t GROUP BY 1 ORDER BY 1", params).fillna({"sante": 0}).assign(
        pct=lambda d: 100 * d["sante"] / d["total"])


def health_share(months: pd.DataFrame) -> float | None:
    """The share of health or dependency over the months of ``health_share_by_month``."""
    return 100 * months["sante"].sum() / months["total"].sum() if len(months) and months["total"].sum() else None


def activity_months(con) -> list[str]:
    """The months (YYYY-MM) holding activity or survey answers, for the period filter (once per reader)."""
    def months() -> tuple[str, ...]:
        requests, _ = scope("activite", Filters())
        rows = con.execute(
            f"SELECT DISTINCT strftime(m, '%Y-%m') FROM (SELECT DISTINCT mois AS m FROM {requests} t "
            "UNION SELECT DISTINCT date_trunc('month', date_reponse) FROM usagers_actifs "
            "UNION SELECT DISTINCT date_trunc('month', date_reponse) FROM agents_actifs "
            "UNION SELECT DISTINCT date_trunc('month', date_reponse) FROM habitants_actifs) ORDER BY 1").fetchall()
        return tuple(r[0] for r in rows if r[0])
    return list(fixed(con, ("activity_months",), months))


def activity_per_maison(con, f: Filters) -> pd.DataFrame:
    """Requests per Maison and per opening hour over the months of the perimeter."""
    src, params = scope("activite", f, per_maison=True)
    msrc, mparams = scope("maisons", f)
    params.update(mparams)
    return _df(con, f"""
        WITH a AS (SELECT id_maison, sum(nb) AS demandes, count(DISTINCT mois) AS mois FROM {src} t GROUP BY 1),
             periode AS (SELECT greatest(count(DISTINCT mois), 1) AS mois FROM {src} t)
        SELECT m.id_maison, m.nom, m.code_departement, m.departement, m.region, m.format, m.heures_hebdo,
               coalesce(a.demandes, 0) AS demandes,
               coalesce(a.demandes, 0) / (m.heures_hebdo * (SELECT mois FROM periode) * 52.0 / 12) AS demandes_par_heure
        FROM {msrc} m LEFT JOIN a USING (id_maison)
        ORDER BY demandes DESC, m.nom""", params)


def departements_table(con, f: Filters, satisfaction: bool = True) -> pd.DataFrame:
    """Per département: population, Maisons, requests, and (unless not asked) the users' satisfaction."""
    msrc, params = scope("maisons", f)
    asrc, aparams = scope("activite", f)
    params.update(aparams)
    table = _df(con, f"""
        WITH m AS (SELECT code_departement, count(*) AS maisons FROM {msrc} GROUP BY 1),
             a AS (SELECT code_departement, sum(nb) AS demandes FROM {asrc} t GROUP BY 1)
        SELECT d.code_departement, d.departement, d.code_region, d.region, d.population, d.latitude, d.longitude,
               m.maisons, coalesce(a.demandes, 0) AS demandes,
               1e5 * m.maisons / d.population AS maisons_100k, 1e3 * coalesce(a.demandes, 0) / d.population AS demandes_1000
        FROM m JOIN ref_departements d USING (code_departement) LEFT JOIN a USING (code_departement)
        ORDER BY d.code_departement""", params)
    if not satisfaction:
        return table
    sat = shares(con, "usagers", {"tres_satisfait": SURVEY_INDICATORS["usagers"]["tres_satisfait"]}, f,
                 by="code_departement")
    if sat.empty:
        table["tres_satisfait"], table["n_usagers"] = float("nan"), 0
        return table
    sat = sat[["code_departement", "pct", "n"]].rename(columns={"pct": "tres_satisfait", "n": "n_usagers"})
    table = table.merge(sat, on="code_departement", how="left")
    table["n_usagers"] = table["n_usagers"].fillna(0).astype(int)
    return table


def labelled_per_quarter(con, f: Filters) -> pd.DataFrame:
    """The sites of the network in force by quarter of labelling: trimestre (first day), labellisees, cumul; and
    the sites whose labelling date is unknown (in ``attrs``)."""
    src, params = scope("maisons", f)
    df = _df(con, f"SELECT CAST(date_trunc('quarter', date_labellisation) AS DATE) AS trimestre, count(*) AS "
                  f"labellisees FROM {src} WHERE date_labellisation IS NOT NULL GROUP BY 1 ORDER BY 1", params)
    df["cumul"] = df["labellisees"].cumsum()
    df.attrs["sans_date"] = int(con.execute(f"SELECT count(*) FROM {src} WHERE date_labellisation IS NULL",
                                            params).fetchall()[0][0])
    return df


def density_then_now(con, f: Filters, then: str, now: str | None = None) -> pd.DataFrame:
    """Maisons per 100,000 inhabitants by région in the network in force at ``then`` and at ``now`` (the latest)."""
    before = regions_table(con, replace(f, date_reseau=then))[["region", "maisons", "maisons_100k"]]
    after = regions_table(con, replace(f, date_reseau=now))[["region", "maisons", "maisons_100k"]]
    return before.merge(after, on="region", how="outer", suffixes=("_avant", "_apres")).fillna(0)


def regions_table(con, f: Filters) -> pd.DataFrame:
    """Per région of the perimeter: population, Maisons and requests (of the départements chosen, if any)."""
    t = departements_table(con, f, satisfaction=False)
    g = t.groupby("region", dropna=False).agg(population=("population", "sum"), maisons=("maisons", "sum"),
                                               demandes=("demandes", "sum")).reset_index()
    g["region"] = g["region"].fillna("Collectivités d'outre-mer")
    g["maisons_100k"] = 1e5 * g["maisons"] / g["population"]
    g["demandes_1000"] = 1e3 * g["demandes"] / g["population"]
    return g


# --- All ---------------------------------------------------------------------

def registry_versions(con, f: Filters) -> list[dict]:
    """The versions of the registry the network of the perimeter rests on (at the filters' date): file, date,
    coverage, sites."""
    src, params = scope("maisons", f)
    rows = con.execute(f"SELECT v.fichier, strftime(v.date_version, '%Y-%m-%d'), v.perimetre, count(*) FROM {src} m "
                       "JOIN versions_registre v USING (import_id) GROUP BY ALL ORDER BY 2, 1", params).fetchall()
    return [{"fichier": fichier, "date": date, "perimetre": perimetre or "national", "maisons": int(n)}
            for fichier, date, perimetre, n in rows]


def _side(row, side: str) -> dict:
    pct = row[f"{side}_pct"]
    if pd.isna(pct):
        return {"pct": None, "ic95": None, "n": int(row[f"{side}_n"]), "raison": row[f"{side}_raison"]}
    low = row[f"{side}_ic_bas"]
    return {"pct": float(pct), "ic95": None if pd.isna(low) else [float(low), float(row[f"{side}_ic_haut"])],
            "n": int(row[f"{side}_n"])}


def evolution(con, kind: str, f: Filters, de: str | None = None, a: str | None = None) -> dict:
    """Every figure of a survey in two waves and its change, as ``evolution --json`` gives them: the waves asked,
    or else the latest two; Holm across the figures of each chart."""
    pair = wave_pair(con, kind, de, a)
    out: dict = {"perimetre": f.describe(), "type": kind, "de": pair[0] if pair else None,
                 "a": pair[1] if pair else None, "indicateurs": {}}
    if pair is None:
        out["raison"] = "moins de deux vagues d'enquête : aucune évolution à mesurer"
        return out
    for family, items in survey_families(kind).items():
        for _, row in change(con, kind, items, f, *pair).iterrows():
            key = row["item"] if family is None else f"{family}.{row['item']}"
            tested = not pd.isna(row["ecart"]) and not pd.isna(row["p_valeur"])
            out["indicateurs"][key] = {
                "de": _side(row, "de"), "a": _side(row, "a"),
                "ecart": float(row["ecart"]) if tested else None,
                "ic95": [float(row["ic_bas"]), float(row["ic_haut"])] if tested else None,
                "p": float(row["p_valeur"]) if tested else None, "p_holm": float(row["p_holm"]) if tested else None,
                "significatif": bool(row["ecart_significatif"]),
                **({} if tested else {"raison": "effectif insuffisant dans une des deux vagues"})}
    return out


def all_indicators(con, f: Filters) -> dict:
    return {
        "perimetre": f.describe(),
        "donnees_de_demonstration": is_demo(con),
        "maisons": maisons_summary(con, f),
        "registre": registry_versions(con, f),
        "activite": activity_indicators(con, f),
        "usagers": survey_indicators(con, "usagers", f),
        "agents": survey_indicators(con, "agents", f),
        "habitants": survey_indicators(con, "habitants", f),
    }


def _count_among(column: str, codes: tuple[str, ...]) -> str:
    listed = "[" + ", ".join(lit(c) for c in codes) + "]"
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE len(list_intersect({column}, {listed})) END"


def maisons_for_criteria(con, f: Filters) -> pd.DataFrame:
    """The Maisons of the perimeter with what the network's criteria look at."""
    src, params = scope("maisons", f)
    return con.execute(
        f"SELECT id_maison, nom, code_departement, departement, code_region, region, commune, latitude, longitude, "
        f"type, format, date_labellisation, heures_hebdo, jours_ouverture, structure_porteuse, operateurs, "
        f"partenariats, espace_public_numerique, espace_teletravail, agent_forme, agents_accueil, espace_confidentiel, "
        f"{_count_among('operateurs', OPERATEURS_EMPLOI_SOCIAL)} AS operateurs_sociaux, "
        f"{_count_among('operateurs', PARTENAIRES_NATIONAUX)} AS partenaires_nationaux "
        f"FROM {src} ORDER BY code_departement, nom", params).df()


def maison_points(con, f: Filters) -> pd.DataFrame:
    """The located Maisons of the perimeter, with the category a map draws them in."""
    src, params = scope("maisons", f)
    return _df(con, f"SELECT nom, code_departement, departement, latitude, longitude, "
                    f"CASE WHEN type = 'antenne' OR format = 'fixe_antennes' THEN 'antenne' "
                    f"WHEN format IN ('itinerante', 'bus', 'multisites') "
                    f"THEN format ELSE 'fixe' END AS categorie FROM {src} WHERE latitude IS NOT NULL", params)


def digital_spaces(con, f: Filters) -> tuple[int, int, int]:
    """(Maisons with a public digital space, with a teleworking space, Maisons for which the first is known)."""
    src, params = scope("maisons", f)
    return tuple(con.execute(f"SELECT count(*) FILTER (WHERE espace_public_numerique), "
                             f"count(*) FILTER (WHERE espace_teletravail), count(espace_public_numerique) FROM {src}",
                             params).fetchall()[0])
