"""Design-based survey figures against R's survey package and an independent numpy computation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msap_stats import store
from msap_stats.intake.importer import import_file
from msap_stats.indicators import Filters, shares
from msap_stats.survey.design import Design, korn_graubard, proportions
from tests.reference import clustered
from tests.spreadsheets import write_csv_fr

REFERENCE = json.loads((Path(__file__).parent.parent / "reference" / "reference.json").read_text("utf-8"))
# The survey's columns, as the project names them: "rare" stands for the online-procedure motive.
AS_PROJECT = {"motif_aide_dossier": "motif_aide_dossier", "motif_renseignement": "motif_renseignement",
              "simplifie_quotidien": "simplifie_quotidien", "rare": "motif_demarche_en_ligne"}


@pytest.fixture(scope="module")
def survey(registry_db, registry_file, tmp_path_factory):
    rows = clustered.build(registry_file)
    path = tmp_path_factory.mktemp("grappes")
    header = ["id_reponse", "date_reponse", "id_maison", "poids", *AS_PROJECT.values(), "motif_outils_libre_acces",
              "satisfaction_accueil"]
    yes_no = {1: "Oui", 0: "Non", None: None}
    body = [[r["id_reponse"], dt.date(2016, 11, 3), r["id_maison"], r["poids"],
             *(yes_no[r[item]] for item in AS_PROJECT), "Non", "Très satisfait"] for r in rows]
    db = path / "s.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, write_csv_fr(path / "usagers.csv", header, body), "usagers")
    yield con, rows
    con.close()


def items():
    return {key: (key, f"{column}") for key, column in AS_PROJECT.items()}


def test_whole_survey_equals_r_svyciprop_beta(survey):
    con, _ = survey
    got = shares(con, "usagers", items(), Filters()).set_index("item")
    for item, ref in REFERENCE["ensemble"].items():
        row = got.loc[item]
        assert row["n"] == ref["n"]
        assert row["grappes"] == ref["grappes"]
        assert row["pct"] == pytest.approx(ref["pct"], abs=0.01)
        assert [row["ic_bas"], row["ic_haut"]] == pytest.approx(ref["ic95"], abs=0.05)
        assert row["deff"] == pytest.approx(ref["deff"], abs=0.01)


def test_regions_are_domains_of_the_whole_design(survey):
    con, _ = survey
    got = shares(con, "usagers", items(), Filters(), by="code_region").set_index(["code_region", "item"])
    compared = 0
    for region, figures in REFERENCE["regions"].items():
        for item, ref in figures.items():
            row = got.loc[(region, item)]
            assert row["n"] == ref["n"] and row["grappes"] == ref["grappes"]
            if pd.notna(row["raison"]):  # not shown here: too few answers, too little precision or Maisons
                assert pd.isna(row["pct"]) and (ref["n"] < 30 or ref["grappes"] < 5 or row["n_eff"] < 30)
                continue
            assert row["pct"] == pytest.approx(ref["pct"], abs=0.01)
            assert [row["ic_bas"], row["ic_haut"]] == pytest.approx(ref["ic95"], abs=0.05), (region, item)
            compared += 1
    assert compared >= 10


def test_linearised_variance_against_numpy(survey):
    """The variance of the weighted share, written here from its definition."""
    con, rows = survey
    df = pd.DataFrame(rows)
    df = df[df["motif_aide_dossier"].notna()]
    w, y, c = df["poids"].to_numpy(), df["motif_aide_dossier"].to_numpy(float), df["id_maison"].to_numpy()
    p = (w * y).sum() / w.sum()
    z = pd.Series(w * (y - p) / w.sum()).groupby(c).sum()
    clusters = len(set(r["id_maison"] for r in rows))
    v = clusters / (clusters - 1) * ((z - z.sum() / clusters) ** 2).sum()
    per_cluster = con.execute(
        "SELECT id_maison AS _grappe, count(*) FILTER (WHERE motif_aide_dossier IS NOT NULL) AS n__x, "
        "sum(poids) FILTER (WHERE motif_aide_dossier IS NOT NULL) AS sw__x, "
        "sum(poids * poids) FILTER (WHERE motif_aide_dossier IS NOT NULL) AS sw2__x, "
        "coalesce(sum(poids) FILTER (WHERE motif_aide_dossier), 0) AS swy__x FROM usagers_actifs GROUP BY 1").df()
    got = proportions(per_cluster, ["x"], Design(clusters)).iloc[0]
    assert got["pct"] == pytest.approx(100 * p, abs=0.005)
    assert got["deff"] == pytest.approx(v / (p * (1 - p) / len(df)), abs=0.005)
    # Clustering matters here: the interval is about 1.6 times as wide as one that ignores it.
    n_eff_srs = len(df)
    _, lo_srs, hi_srs = korn_graubard(p, p * (1 - p) / n_eff_srs, len(df), len(df))
    assert (got["ic_haut"] - got["ic_bas"]) / (100 * (hi_srs - lo_srs)) > 1.5


def test_small_samples_say_why_they_are_not_shown():
    def one(n_h, w=1.0, y=0.5, clusters=100):
        n_h = np.asarray(n_h, float)
        df = pd.DataFrame({"n__x": n_h, "sw__x": n_h * w, "sw2__x": n_h * w * w, "swy__x": n_h * w * y})
        return proportions(df, ["x"], Design(clusters)).iloc[0]

    assert one([5] * 5)["raison"] == "effectif insuffisant"  # 25 answers
    assert one([40] * 4)["raison"] == "trop peu de Maisons"  # 160 answers in 4 Maisons
    few_eff = pd.DataFrame({"n__x": [20.0] * 6, "sw__x": [20.0] * 6, "sw2__x": [20.0] * 6,
                            "swy__x": [0, 0, 0, 20, 20, 20]})  # whole Maisons say yes or no: n* is tiny
    assert proportions(few_eff, ["x"], Design(100)).iloc[0]["raison"] == "précision insuffisante"
    shown = one([40] * 6, y=0.0)  # nobody ticked the box: 0 %, shown, without an interval (R gives none)
    assert shown["pct"] == 0.0 and pd.isna(shown["ic_bas"]) and pd.isna(shown["ic_haut"]) and pd.isna(shown["raison"])


def test_each_region_against_the_rest_equals_r_svyglm_with_holm(survey):
    """R's p-values, corrected together across every cell of the chart (all items, all régions)."""
    con, _ = survey
    got = shares(con, "usagers", items(), Filters(), by="code_region")
    tested = got[got["p_valeur"].notna()].set_index(["item", "code_region"])
    assert len(tested) >= 3 * len(REFERENCE["ecarts"])
    raw = {key: REFERENCE["ecarts"][key[0]][key[1]]["p"] for key in tested.index}
    # Holm, written independently: the k-th smallest p times (m - k + 1), made non-decreasing.
    m, running, expected = len(raw), 0.0, {}
    for k, (key, p) in enumerate(sorted(raw.items(), key=lambda kv: kv[1])):
        running = max(running, min(1.0, (m - k) * p))
        expected[key] = running
    for (item, region), row in tested.iterrows():
        assert row["ecart"] == pytest.approx(REFERENCE["ecarts"][item][region]["ecart"], abs=0.01)
        assert row["p_valeur"] == pytest.approx(expected[(item, region)], abs=1e-3)
        assert row["ecart_significatif"] == (expected[(item, region)] < 0.05)
    # Untested categories (figure not shown) are never marked.
    assert not got.loc[got["pct"].isna(), "ecart_significatif"].any()


def test_breakdown_charts_mark_what_differs_and_name_a_region_only_then(survey):
    from msap_stats import charts

    con, _ = survey
    chart = charts.motifs.motifs_par_region(con, Filters())
    data = chart.donnees
    marked = data["Écart significatif"] == "oui"
    assert marked.any() and (data["Écart significatif"] != "").sum() >= 3
    texts = [t for row in chart.figure.data[0].text for t in row]
    assert sum(t.endswith("*") for t in texts) == marked.sum()
    assert "écart significatif" in chart.footer
    aide = data[(data["Motif"] == "Être accompagné dans la constitution d'un dossier") & data["Part (%)"].notna()]
    best = aide.sort_values("Part (%)").iloc[-1]
    named = f"({best['Région']})" in chart.titre
    assert named == (best["Écart significatif"] == "oui")
    if not named:
        assert "marge d'erreur" in chart.titre


def test_publics_differ_by_a_test_not_by_a_fixed_gap():
    """The three publics are independent samples: an effect differs across them by Wald's test (two publics: the
    z test), not because their figures are 10 points apart."""
    from scipy import stats as sp

    from msap_stats.charts.regards import _impacts_title
    from msap_stats.survey.design import equal_across

    assert equal_across([50.0, 60.0], [2.0, 2.0]) == pytest.approx(2 * sp.norm.sf(10 / np.sqrt(8)), rel=1e-9)
    assert equal_across([40.0, 40.0, 40.0], [1.0, 2.0, 3.0]) == pytest.approx(1.0)

    def title(gap, se):
        rows = [{"public": k, "item": "lien_social", "pct": 50.0 + (gap if k == "agents" else 0), "se": se}
                for k in ("usagers", "agents", "habitants")]
        df = pd.DataFrame(rows)
        p = equal_across(df["pct"], df["se"])
        return _impacts_title(df.assign(ecart=gap, p_valeur=p, ecart_significatif=p < 0.05))

    assert "effets proches" in title(12, 8.0)  # 12 points on small samples: not a finding
    assert "ne voient pas les mêmes effets : 6 points d'écart sur" in title(6, 1.0)  # 6 points, precise: a finding


def test_a_variance_that_is_only_the_rounding_of_equal_clusters_gives_no_interval_as_none_does():
    """Every cluster of a domain alike gives a variance of 0, or the rounding of its sums (1e-33 on the demo's
    habitants of Morbihan): no interval either way, never a beta of shape 10³¹ that cannot be computed."""
    from scipy import special

    p = 0.6
    for v in (0.0, p * (1 - p) * 1e-31, p * (1 - p) * 1e-16):
        n_eff, low, high = korn_graubard(p, v, 27, 1)
        assert n_eff == np.inf and np.isnan(low) and np.isnan(high), v
    n_eff, low, high = korn_graubard(p, p * (1 - p) / 1e12, 27, 1)  # a small spread, but a spread: its interval
    assert n_eff == pytest.approx(1e12) and low < p < high and high - low < 1e-5
    assert low == pytest.approx(float(special.betaincinv(n_eff * p, n_eff * (1 - p) + 1, 0.025)), rel=1e-9)
