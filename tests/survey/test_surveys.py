"""A survey exported from French Excel gives the same weighted figures as its .xlsx twin."""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.stats import beta, t
import pytest

from msap_stats import store
from msap_stats.intake.importer import import_file
from msap_stats.indicators import Filters, shares, survey_indicators
from tests.spreadsheets import write_csv_fr, write_ods, write_xls, write_xlsx

HEADER = ["ID réponse", "Date réponse", "ID Maison", "Poids", "Motif aide dossier", "Motif renseignement",
          "Motif outils libre accès", "Motif démarche en ligne", "Satisfaction accueil", "Simplifie quotidien",
          "Attente principale", "Sexe", "Tranche âge", "Situation", "Commentaire libre"]
TITLES = [["Enquête de satisfaction des usagers — novembre 2016"], ["Export du questionnaire en ligne"], []]
LEVELS = ["Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait", "Pas du tout satisfait"]


def survey_rows(n: int = 240, seed: int = 3) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        rows.append({
            "id": f"Q{i + 1:04d}",
            "date": dt.date(2016, 11, 1) + dt.timedelta(days=int(rng.integers(0, 28))),
            "maison": str(int(rng.integers(1, 35))),  # ids 1 to 34 are all in the national list
            "poids": float(rng.choice([0.75, 1.0, 1.25, 1.5, 2.25])),
            "motifs": [bool(rng.random() < p) for p in (0.4, 0.33, 0.27, 0.24)],
            "satisfaction": LEVELS[int(rng.choice(4, p=[0.8, 0.14, 0.04, 0.02]))] if rng.random() > 0.02 else None,
            "simplifie": bool(rng.random() < 0.93) if rng.random() > 0.03 else None,
            "attente": str(rng.choice(["Emploi, formation", "Prestations sociales, famille", "Retraite"])),
            "sexe": str(rng.choice(["Femme", "Homme"])),
            "age": str(rng.choice(["25-39 ans", "40-59 ans", "60-74 ans"])),
            "situation": str(rng.choice(["En emploi", "Demandeur d'emploi", "Retraité"])),
        })
    return rows


def as_xlsx_row(r: dict) -> list:
    yes_no = {True: "Oui", False: "Non", None: None}
    return [r["id"], r["date"], r["maison"], r["poids"], *[yes_no[m] for m in r["motifs"]], r["satisfaction"],
            yes_no[r["simplifie"]], r["attente"], r["sexe"], r["age"], r["situation"], "RAS"]


def as_french_csv_row(r: dict) -> list:
    """The French Excel export: x / blank for the multi-response motives, OUI/NON, codes 1-4."""
    yes_no = {True: "OUI", False: "NON", None: None}
    level = None if r["satisfaction"] is None else str(LEVELS.index(r["satisfaction"]) + 1)
    return [r["id"], r["date"], r["maison"], r["poids"], *["x" if m else None for m in r["motifs"]], level,
            yes_no[r["simplifie"]], r["attente"].upper(), r["sexe"][0], r["age"], r["situation"], "RAS"]


def import_into_new_store(registry_db, tmp_path, path, name):
    import shutil

    db = tmp_path / f"{name}.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    result = import_file(con, path, "usagers")
    return con, result


def test_french_excel_csv_and_xlsx_twins_give_the_same_figures(registry_db, tmp_path):
    rows = survey_rows()
    xlsx = write_xlsx(tmp_path / "usagers.xlsx", HEADER, [as_xlsx_row(r) for r in rows], TITLES)
    csv_fr = write_csv_fr(tmp_path / "usagers.csv", HEADER, [as_french_csv_row(r) for r in rows], TITLES)
    assert b";" in csv_fr.read_bytes() and "é".encode("cp1252") in csv_fr.read_bytes()
    assert b"1,25" in csv_fr.read_bytes() or b"2,25" in csv_fr.read_bytes()

    con_x, res_x = import_into_new_store(registry_db, tmp_path, xlsx, "x")
    con_c, res_c = import_into_new_store(registry_db, tmp_path, csv_fr, "c")
    assert res_x.lignes_chargees == res_c.lignes_chargees == len(rows)
    assert any("Commentaire libre" in w for w in res_x.avertissements)
    ind_x = survey_indicators(con_x, "usagers", Filters())
    ind_c = survey_indicators(con_c, "usagers", Filters())
    assert ind_x == ind_c

    # And the figure is the weighted share, its interval the design-based one (Maisons as clusters), computed
    # here independently: linearised variance, then Korn–Graubard.
    w = np.array([r["poids"] for r in rows])
    y = np.array([r["motifs"][0] for r in rows])
    maison = np.array([r["maison"] for r in rows])
    p = (w * y).sum() / w.sum()
    clusters = np.unique(maison)
    z = np.array([(w[maison == m] * (y[maison == m] - p)).sum() / w.sum() for m in clusters])
    v = len(clusters) / (len(clusters) - 1) * (z**2).sum()
    n = len(rows)
    n_eff = p * (1 - p) / v * (t.ppf(0.025, n - 1) / t.ppf(0.025, len(clusters) - 1)) ** 2
    low, high = beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1), beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p))
    got = ind_c["motifs"]["aide_dossier"]
    assert got["pct"] == pytest.approx(100 * p, abs=0.005)
    assert got["ic95"] == pytest.approx([100 * low, 100 * high], abs=0.005)
    assert got["grappes"] == len(clusters) and got["deff"] == pytest.approx(v / (p * (1 - p) / n), abs=0.005)

    answered = [r for r in rows if r["satisfaction"] is not None]
    wa = np.array([r["poids"] for r in answered])
    very = np.array([r["satisfaction"] == "Très satisfait" for r in answered])
    assert ind_x["tres_satisfait"]["pct"] == pytest.approx(100 * (wa * very).sum() / wa.sum(), abs=0.005)
    assert ind_x["tres_satisfait"]["n"] == len(answered)
    con_x.close()
    con_c.close()


@pytest.mark.parametrize("writer", [write_xls, write_ods], ids=["xls", "ods"])
def test_old_excel_and_opendocument_files_give_the_same_figures(registry_db, tmp_path, writer):
    rows = survey_rows(120, seed=9)
    xlsx = write_xlsx(tmp_path / "ref.xlsx", HEADER, [as_xlsx_row(r) for r in rows], TITLES)
    other = writer(tmp_path / f"usagers.{writer.__name__[-3:]}", HEADER, [as_xlsx_row(r) for r in rows], TITLES)
    con_a, _ = import_into_new_store(registry_db, tmp_path, xlsx, "a")
    con_b, res = import_into_new_store(registry_db, tmp_path, other, "b")
    assert res.lignes_chargees == len(rows)
    assert survey_indicators(con_a, "usagers", Filters()) == survey_indicators(con_b, "usagers", Filters())
    con_a.close()
    con_b.close()


def test_small_groups_are_not_shown(registry_db, tmp_path):
    rows = survey_rows(240)
    xlsx = write_xlsx(tmp_path / "usagers.xlsx", HEADER, [as_xlsx_row(r) for r in rows], TITLES)
    con, _ = import_into_new_store(registry_db, tmp_path, xlsx, "s")
    by_sex = shares(con, "usagers", {"x": ("x", "motif_aide_dossier")}, Filters(), by="sexe")
    assert set(by_sex["sexe"]) == {"femme", "homme"}
    assert by_sex["pct"].notna().all()
    # A département with a handful of answers: no figure, a reason.
    per_dep = shares(con, "usagers", {"x": ("x", "motif_aide_dossier")}, Filters(), by="code_departement")
    small = per_dep[(per_dep["n"] > 0) & (per_dep["n"] < 30)]
    large = per_dep[per_dep["n"] >= 30]
    assert len(small) and small["pct"].isna().all() and (small["raison"] == "effectif insuffisant").all()
    assert large["pct"].notna().all() and large["raison"].isna().all()
    con.close()


def _motif_file(tmp_path, name, rows, style):
    """60 users: 25 ticked « aide dossier » among the 50 who answered the question; 10 did not answer it."""
    header = ["id_reponse", "date_reponse", "id_maison", "motif_aide_dossier", "motif_renseignement",
              "motif_outils_libre_acces", "motif_demarche_en_ligne", "satisfaction_accueil", "simplifie_quotidien"]
    tick = {"x": lambda v: "x" if v else None, "oui": lambda v: "Oui" if v else "Non"}[style]
    body = []
    for i, (motifs, rest) in enumerate(rows):
        cells = [tick(m) for m in motifs] if motifs is not None else [None] * 4
        body.append([f"R{i}", dt.date(2016, 11, 3), str(1 + i % 30), *cells, *rest])
    return write_csv_fr(tmp_path / name, header, body)


@pytest.mark.parametrize("style", ["x", "oui"])
def test_the_base_of_a_multi_response_question_is_who_answered_it(con_registry, tmp_path, style):
    answered = [((i < 25, i % 2 == 0, False, False), ("Très satisfait", "Oui")) for i in range(50)]
    if style == "x":  # ticked nothing and answered nothing else: no answer; ticked nothing but answered the rest: No
        skipped = [(None, (None, None))] * 10 + [(None, ("Plutôt satisfait", "Oui"))] * 5
    else:  # Oui/Non: a question left wholly empty is no answer
        skipped = [(None, ("Plutôt satisfait", "Oui"))] * 10
    path = _motif_file(tmp_path, f"motifs_{style}.csv", answered + skipped, style)
    import_file(con_registry, path, "usagers")
    motifs = survey_indicators(con_registry, "usagers", Filters())["motifs"]
    base = 55 if style == "x" else 50
    assert motifs["aide_dossier"]["n"] == base
    assert motifs["aide_dossier"]["pct"] == pytest.approx(100 * 25 / base, abs=0.01)
    # Nobody ticked « outils en libre accès »: 0 %, shown, on the same base.
    assert (motifs["outils_libre_acces"]["pct"], motifs["outils_libre_acces"]["n"]) == (0.0, base)


def test_a_survey_of_one_maison_follows_the_rule_of_too_few_maisons(con_registry, tmp_path):
    """One Maison, as two or four: no figure, « trop peu de Maisons », on the chart, in its footer and in JSON."""
    from msap_stats import charts

    rows = [((i % 3 == 0, i % 2 == 0, False, False), ("Très satisfait", "Oui")) for i in range(60)]
    path = _motif_file(tmp_path, "une_maison.csv", rows, "oui")
    import_file(con_registry, write_csv_fr(path, *_one_maison(path)), "usagers")
    chart = charts.motifs.motifs_usagers(con_registry, Filters())
    assert "trop peu de Maisons" in chart.titre and "n = 60 usagers" in chart.footer
    fig = survey_indicators(con_registry, "usagers", Filters())["motifs"]["aide_dossier"]
    assert fig["pct"] is None and fig["raison"] == "trop peu de Maisons" and fig["n"] == 60


def _one_maison(path):
    """The same answers, all collected in Maison 1."""
    import csv as _csv

    with open(path, encoding="cp1252", newline="") as f:
        table = list(_csv.reader(f, delimiter=";"))
    header, body = table[0], table[1:]
    return header, [[*r[:2], "1", *r[3:]] for r in body]


def test_a_distribution_is_shown_whole_or_not_at_all(con_registry, tmp_path):
    """40 answers in 30 Maisons, the « pas du tout satisfaits » all in one Maison: that code's precision is too
    poor, so no code of the distribution is drawn (never a sliver), none is marked, and the table says why."""
    from msap_stats import charts
    from msap_stats.indicators import distribution

    satisfaction = ["Pas du tout satisfait" if i in (0, 30) else "Très satisfait" if i % 3 else "Plutôt satisfait"
                    for i in range(40)]
    rows = [((i % 2 == 0, False, False, False), (s, "Oui")) for i, s in enumerate(satisfaction)]
    import_file(con_registry, _motif_file(tmp_path, "repartition.csv", rows, "oui"), "usagers")
    whole = distribution(con_registry, "usagers", "satisfaction_accueil", Filters())
    assert whole["pct"].isna().all() and whole["raison"].str.startswith("répartition incomplète").all(), whole
    assert whole["n"].eq(40).all()
    chart = charts.satisfaction.satisfaction_accueil(con_registry, Filters())
    assert chart.donnees["Part (%)"].isna().all()
    assert chart.donnees["Sans chiffre : raison"].str.startswith("répartition incomplète").all()
