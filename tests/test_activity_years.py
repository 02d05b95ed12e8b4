"""Activity year on year: each month against the same month a year earlier on the Maisons that reported in both, a
Maison without a report said and never counted as zero, the rolling twelve months; checked against pandas on the
rows written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msap_stats import store
from msap_stats.indicators import Filters, activity_change_by, activity_year_on_year
from msap_stats.intake.importer import import_file
from tests.spreadsheets import write_csv_fr

MAISONS = ["1", "2", "3", "4"]
THEMES = ["emploi", "retraite", "prestations_sociales"]


@pytest.fixture
def two_years(registry_copy, tmp_path):
    rng = np.random.default_rng(7)
    rows = []
    for year in (2016, 2017):
        for month in range(1, 13):
            for maison in MAISONS:
                if (maison, year, month) in {("3", 2017, 3), ("4", 2016, 5)}:  # no report that month
                    continue
                for theme in THEMES:
                    rows.append([maison, f"{year}-{month:02d}", theme, int(rng.integers(1, 40)) + (5 if year == 2017
                                                                                                 else 0)])
    con = store.connect(registry_copy)
    import_file(con, write_csv_fr(tmp_path / "activite.csv", ["id_maison", "mois", "thematique", "nb"], rows),
                "activite")
    yield con, pd.DataFrame(rows, columns=["id_maison", "mois", "thematique", "nb"])
    con.close()


def test_each_month_against_the_same_month_a_year_earlier(two_years):
    con, rows = two_years
    got = activity_year_on_year(con, Filters()).set_index("mois")
    per = rows.groupby(["mois", "id_maison"])["nb"].sum()
    march = got.loc["2017-03"]
    both = [m for m in MAISONS if ("2017-03", m) in per and ("2016-03", m) in per]
    assert both == ["1", "2", "4"] and march["maisons_constantes"] == 3 and march["sans_declaration"] == 1
    before, after = sum(per[("2016-03", m)] for m in both), sum(per[("2017-03", m)] for m in both)
    assert march["evolution_pct"] == pytest.approx(100 * (after / before - 1))
    assert march["demandes"] == per["2017-03"].sum() and march["maisons"] == 3
    assert march["par_maison"] == pytest.approx(per["2017-03"].sum() / 3)
    may = got.loc["2017-05"]  # Maison 4 did not report in May 2016: compared on the three others, none missing
    assert may["maisons_constantes"] == 3 and may["sans_declaration"] == 0 and may["maisons"] == 4
    assert got.loc["2016-06"][["demandes_un_an_avant", "evolution_pct"]].isna().all()  # no year before
    assert np.isnan(got.loc["2016-11", "cumul_12_mois"])
    assert got.loc["2016-12", "cumul_12_mois"] == rows[rows["mois"] <= "2016-12"]["nb"].sum()
    assert got.loc["2017-06", "cumul_12_mois"] == rows[(rows["mois"] > "2016-06") & (rows["mois"] <= "2017-06")]["nb"].sum()
    assert list(activity_year_on_year(con, Filters(debut="2017-01", fin="2017-02"))["mois"]) == ["2017-01", "2017-02"]


def test_the_change_by_theme_over_the_last_twelve_months(two_years):
    con, rows = two_years
    got = activity_change_by(con, Filters(), "thematique").set_index("code")
    for theme in THEMES:
        sub = rows[rows["thematique"] == theme]
        before, after = sub[sub["mois"] < "2017-01"]["nb"].sum(), sub[sub["mois"] >= "2017-01"]["nb"].sum()
        assert got.loc[theme, "avant"] == before and got.loc[theme, "apres"] == after
        assert got.loc[theme, "evolution_pct"] == pytest.approx(100 * (after / before - 1))


def test_the_change_leaves_out_a_maison_that_reported_in_one_year_only(two_years, tmp_path):
    """A Maison that reported in the last twelve months only is not a change: neither year counts it, under any
    column (its requests are known by thématique, the years it reported by Maison and month)."""
    con, rows = two_years
    newcomer = [["5", f"2017-{m:02d}", "emploi", 1000] for m in range(1, 13)]
    import_file(con, write_csv_fr(tmp_path / "nouvelle.csv", ["id_maison", "mois", "thematique", "nb"], newcomer),
                "activite")
    got = activity_change_by(con, Filters(), "thematique").set_index("code")
    emploi = rows[rows["thematique"] == "emploi"]
    assert got.loc["emploi", "apres"] == emploi[emploi["mois"] >= "2017-01"]["nb"].sum()  # not + 12 000
    by_region = activity_change_by(con, Filters(), "code_region")
    assert by_region["apres"].sum() == rows[rows["mois"] >= "2017-01"]["nb"].sum()


def test_evolution_of_activity_on_the_command_line(two_years, registry_copy):
    import json

    from tests.test_cli import cli

    con, rows = two_years
    con.execute("CHECKPOINT")
    con.close()
    run = cli("evolution", "--kind", "activite", "--db", str(registry_copy))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    march = next(m for m in out["mois"] if m["mois"] == "2017-03")
    assert march["sans_declaration"] == 1 and march["maisons_constantes"] == 3
    assert out["douze_derniers_mois_jusqu_a"] == "2017-12"
    assert sum(r["apres"] for r in out["par_thematique"]) == rows[rows["mois"] >= "2017-01"]["nb"].sum()
