"""The demonstration network reproduces the published figures of February 2017."""

from __future__ import annotations

import pytest

from msap_stats import demo, reference, store
from msap_stats.indicators import Filters, activity_by, all_indicators, maisons_with_list
from msap_stats.referentiels import OPERATEURS_EMPLOI_SOCIAL
from msap_stats.schema import PUBLISHED
from msap_stats.store import StoreError


@pytest.fixture(scope="module")
def figures(demo_con):
    return all_indicators(demo_con, Filters())


def _lookup(figures: dict, key: str) -> dict:
    node = figures
    for part in key.split("."):
        node = node[part]
    return node


@pytest.mark.parametrize("key", list(PUBLISHED))
def test_every_published_figure_is_within_the_95_interval(figures, key):
    fig = _lookup(figures, key)
    low, high = fig["ic95"]
    assert low <= PUBLISHED[key] <= high, f"{key}: {PUBLISHED[key]} % not in [{low}, {high}]"


def test_survey_sizes_and_demo_marking(figures, demo_con):
    assert figures["donnees_de_demonstration"] is True
    assert 4500 <= figures["usagers"]["n"] <= 5500
    assert 900 <= figures["agents"]["n"] <= 1100
    assert 2700 <= figures["habitants"]["n"] <= 3300
    assert store.get_meta(demo_con, "demo") == "oui"
    assert demo_con.execute("SELECT bool_and(demo) FROM imports").fetchall()[0][0] is True


def test_multi_response_motives_add_up_to_more_than_100(figures):
    assert sum(m["pct"] for m in figures["usagers"]["motifs"].values()) > 100


def test_network_as_published(demo_con, figures):
    maisons = figures["maisons"]
    assert maisons["total"] == pytest.approx(1100, abs=50)
    assert set(maisons["par_departement"]) >= {"01", "05", "48", "2A", "974"}
    q = lambda sql: demo_con.execute(sql).fetchall()[0][0]  # noqa: E731
    assert q("SELECT count(*) FROM maisons_actifs WHERE list_contains(partenariats, 'defenseur_droits') "
             "AND code_departement = '05'") == 10
    assert q("SELECT count(*) FROM maisons_actifs WHERE list_contains(partenariats, 'defenseur_droits') "
             "AND code_departement = '48'") == 9
    partners = dict(maisons_with_list(demo_con, Filters(), "partenariats").itertuples(index=False))
    assert partners["centre_social"] == 88 and partners["handicap"] == 51 and partners["bibliotheque"] == 80
    assert partners["office_tourisme"] == pytest.approx(10, abs=2)
    assert partners["chambre_consulaire"] == pytest.approx(100, abs=10)
    total = maisons["total"]
    assert q("SELECT count(*) FROM maisons_actifs WHERE espace_public_numerique") / total == pytest.approx(0.15, abs=0.01)
    assert q("SELECT count(*) FROM maisons_actifs WHERE format = 'fixe_antennes'") / total == pytest.approx(0.17, abs=0.01)
    assert q("SELECT count(*) FROM maisons_actifs WHERE format IN ('itinerante', 'bus')") / total == pytest.approx(0.07, abs=0.01)
    social = "[" + ", ".join(f"'{o}'" for o in OPERATEURS_EMPLOI_SOCIAL) + "]"
    assert q(f"SELECT min(len(list_intersect(operateurs, {social}))) FROM maisons_actifs") >= 2
    porteurs = {r[0] for r in demo_con.execute("SELECT DISTINCT structure_porteuse FROM maisons_actifs").fetchall()}
    assert porteurs == {"collectivite", "association", "gip", "la_poste"}
    # Rural départements have more Maisons per inhabitant than Paris and its inner suburbs.
    per_100k = dict(demo_con.execute(
        "SELECT code_departement, 1e5 * count(*) / any_value(population) FROM maisons_v "
        "JOIN ref_departements USING (code_departement) GROUP BY 1").fetchall())
    assert per_100k["48"] > 10 * per_100k["75"]


def test_a_year_of_activity(demo_con, figures):
    act = figures["activite"]
    assert act["demandes"] == pytest.approx(1_000_000, rel=0.02)
    health = act["par_thematique"]["sante"]["pct"] + act["par_thematique"]["autonomie"]["pct"]
    assert health == pytest.approx(15, abs=0.5)
    months = activity_by(demo_con, Filters(), "mois")
    assert len(months) == 12 and str(months["code"].min())[:7] == "2016-01"


def test_filters_change_the_figures(demo_con, figures):
    lozere = all_indicators(demo_con, Filters(departements=("48",)))
    assert lozere["maisons"]["total"] == figures["maisons"]["par_departement"]["48"]
    assert 0 < lozere["activite"]["demandes"] < figures["activite"]["demandes"]
    # Too few users answered in one département: no figure, a reason.
    assert lozere["usagers"]["n"] < 100
    occitanie = all_indicators(demo_con, Filters(regions=("76",)))
    assert occitanie["usagers"]["n"] >= 30 and occitanie["usagers"]["tres_satisfait"]["pct"] is not None
    second_half = all_indicators(demo_con, Filters(debut="2016-07", fin="2016-12"))
    assert 0.35 < second_half["activite"]["demandes"] / figures["activite"]["demandes"] < 0.6


def test_deterministic_from_the_seed(tmp_path):
    a, b, c = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "c.duckdb"
    demo.build(a, seed=7, activity=False)
    demo.build(b, seed=7, activity=False)
    demo.build(c, seed=8, activity=False)

    def snapshot(path):
        con = store.connect(path, read_only=True)
        rows = con.execute("SELECT * EXCLUDE (import_id) FROM usagers_actifs ORDER BY id_reponse").fetchall()
        maisons = con.execute("SELECT * EXCLUDE (import_id) FROM maisons_actifs ORDER BY id_maison").fetchall()
        con.close()
        return rows, maisons

    assert snapshot(a) == snapshot(b)
    assert snapshot(a) != snapshot(c)


def test_demo_never_overwrites_real_data(registry_copy):
    with pytest.raises(StoreError, match="données réelles"):
        demo.build(registry_copy)
    con = store.connect(registry_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM maisons_actifs").fetchall()[0][0] == 2845
    con.close()


def test_weighting_matters_in_the_demo(demo_con, figures):
    """The published figures are weighted ones: without the weights, the young users' motives would be off."""
    for column, key in (("motif_aide_dossier", "aide_dossier"), ("motif_outils_libre_acces", "outils_libre_acces")):
        unweighted = demo_con.execute(f"SELECT 100 * avg({column}::INTEGER) FROM usagers_actifs "
                                      f"WHERE {column} IS NOT NULL").fetchall()[0][0]
        weighted = figures["usagers"]["motifs"][key]["pct"]
        assert abs(unweighted - weighted) > 2, column
        assert abs(weighted - PUBLISHED[f"usagers.motifs.{key}"]) < 0.5


def test_answers_cluster_by_maison_in_the_demo(figures):
    """The demo's Maison effect shows as design effects above 1 on the questions that carry it."""
    usagers = figures["usagers"]
    assert usagers["motifs"]["aide_dossier"]["deff"] > 1.3
    assert usagers["tres_satisfait"]["deff"] > 1.3
    assert figures["habitants"]["connait_maison_commune"]["deff"] > 1.5
    assert usagers["motifs"]["aide_dossier"]["grappes"] > 900


def test_two_facts_of_the_note_lozere_and_the_agents_arrival(demo_con, figures):
    from msap_stats import charts
    from msap_stats.fmt import pct
    from msap_stats.indicators import Filters

    lozere = demo_con.execute("SELECT count(*), count(*) FILTER (WHERE espace_teletravail), count(*) FILTER "
                              "(WHERE list_contains(partenariats, 'defenseur_droits')) FROM maisons_actifs "
                              "WHERE code_departement = '48'").fetchall()[0]
    assert lozere == (9, 9, 9)  # the 9 Maisons of Lozère, all in its network of télécentres
    chart = charts.regards.arrivee_agents(demo_con, Filters())
    row = chart.donnees.set_index("Année d'arrivée").loc["2016"]
    assert 63 <= row["Part (%)"] <= 70 and row["IC 95 % bas"] < 66.7 < row["IC 95 % haut"]
    assert chart.titre.startswith(f"{pct(row['Part (%)'])} des agents ont rejoint le réseau en 2016")


def test_every_demo_maison_stands_inside_its_departement(demo_con):
    """Synthetic coordinates on land, in their own département (as drawn on the maps)."""
    if reference.outlines() is None:
        pytest.skip("contours des départements absents")
    df = demo_con.execute("SELECT code_departement, longitude, latitude FROM maisons_actifs").df()
    for code, g in df.groupby("code_departement"):
        inside = reference.inside(code, g["longitude"].to_numpy(), g["latitude"].to_numpy())
        assert inside.all(), (code, int((~inside).sum()))
