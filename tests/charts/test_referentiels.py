"""The network's rules: each frame of reference applied to the Maisons it fits, antennas and buses by their own rules."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from msap_stats import charts, network, referentiels, store
from msap_stats.indicators import Filters
from msap_stats.referentiels import CONFORME, INCONNU, NON_CONFORME, SANS_OBJET
from tests.conftest import SHARED

LIST_2024 = SHARED / "liste-fs-20240801.csv"


def statuses(chart) -> pd.DataFrame:
    return chart.donnees.pivot(index="Critère", columns="Statut", values="Maisons")


def raw_list() -> pd.DataFrame:
    """The published file read on its own (not through the project)."""
    return duckdb.sql(f"SELECT * FROM read_csv('{LIST_2024}', all_varchar=true)").df()


def test_the_2024_list_is_judged_by_the_france_services_charter(registry_con):
    chart = charts.reseau.conformite(registry_con, Filters())
    raw = raw_list()
    assert "Charte France services" in chart.footer
    assert f"{len(raw):,} des {len(raw):,}".replace(",", "\u202f") in chart.footer  # all labelled since 2020
    hours = statuses(chart).loc["Ouverte au moins 24 h par semaine, sur 5 jours"]
    # Antennas and sites of multisite Maisons are not judged on their own hours.
    apart = ((raw["type_fs"] == "Antenne") | (raw["format_fs"] == "Multisites")).sum()
    assert hours[SANS_OBJET] == apart
    assert hours.sum() == len(raw)
    # The registry says nothing of agents, partners, confidential space or travel times: said, not charted.
    assert list(statuses(chart).index) == ["Ouverte au moins 24 h par semaine, sur 5 jours"]
    for label in ("Au moins deux agents d'accueil formés présents", "L'offre des neuf partenaires nationaux",
                  "Espace d'entretien confidentiel", "À moins de 30 minutes des habitants"):
        assert label in chart.footer.split("non renseigné dans ce registre :")[1]
    table = charts.reseau.criteres(registry_con, Filters())
    assert table["Jugé d'après"].str.startswith("Non renseigné dans ce registre").sum() == 4


def test_open_days_and_hours_from_the_published_hours(registry_con):
    raw = raw_list().set_index("id_fs")
    stored = registry_con.execute("SELECT id_maison, heures_hebdo, jours_ouverture FROM maisons_actifs "
                                  "WHERE id_maison IN ('1', '2', '3')").df().set_index("id_maison")
    days = ["h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi"]
    for site in ("1", "2", "3"):
        assert stored.loc[site, "jours_ouverture"] == raw.loc[site, days].notna().sum()
    assert stored.loc["1", "heures_hebdo"] == pytest.approx(3.5 + 3 * 6.5 + 6.5 - 1)  # Valserhône, Friday till 16:00
    assert stored.loc["2", "jours_ouverture"] == 5  # Monday closed, Saturday morning open


def test_a_bus_is_judged_on_all_its_hours_and_an_antenna_is_not_judged_alone(registry_con):
    df, ref, _ = network.compliance(registry_con, Filters())
    assert ref is referentiels.FRANCE_SERVICES
    bus = df[df["format"] == "bus"]
    assert set(bus["heures"]) <= {CONFORME, NON_CONFORME, INCONNU}
    assert (bus.loc[bus["heures"] == CONFORME, "heures_hebdo"] >= 24).all()
    assert (df.loc[df["type"] == "antenne", "heures"] == SANS_OBJET).all()
    short = df[(df["heures_hebdo"] < 24) & (df["type"] == "principal") & (df["format"] == "fixe")]
    assert len(short) and (short["heures"] == NON_CONFORME).all()
    four_days = df[(df["heures_hebdo"] >= 24) & (df["jours_ouverture"] == 4) & (df["format"] == "fixe")]
    assert len(four_days) and (four_days["heures"] == NON_CONFORME).all()  # 24 h, but not over 5 days


def test_the_2016_demo_is_judged_by_the_msap_rules_and_can_be_judged_by_the_charter(demo_con):
    chart = charts.reseau.conformite(demo_con, Filters())
    assert "Cahier des charges des MSAP" in chart.footer
    table = statuses(chart)
    assert "Au moins deux opérateurs de l'emploi ou des prestations sociales" in table.index
    assert table.loc["Agents d'accueil formés", CONFORME] == demo_con.execute(
        "SELECT count(*) FILTER (WHERE agent_forme) FROM maisons_actifs").fetchall()[0][0]
    # Buses and itinerant Maisons have no fixed place: the distance rule does not apply to them.
    moving = demo_con.execute("SELECT count(*) FROM maisons_actifs WHERE format IN ('bus', 'itinerante')").fetchall()
    distance = next(i for i in table.index if i.startswith("À plus de"))
    assert table.loc[distance, SANS_OBJET] == moving[0][0]
    charter = charts.reseau.conformite(demo_con, Filters(), 5.0, "france_services")
    assert "Charte France services" in charter.footer and "(choisi sur la page)" in charter.footer
    assert "Au moins deux agents d'accueil formés présents" in charter.footer  # no column says it in the demo


def test_a_store_made_before_the_open_days_column_gets_it_computed(registry_copy):
    con = store.connect(registry_copy)
    before = con.execute("SELECT id_maison, jours_ouverture FROM maisons ORDER BY 1").df()
    con.execute("ALTER TABLE maisons DROP COLUMN jours_ouverture")
    con.execute("DELETE FROM meta WHERE cle = 'schema'")
    con.close()
    con = store.connect(registry_copy)
    after = con.execute("SELECT id_maison, jours_ouverture FROM maisons ORDER BY 1").df()
    con.close()
    pd.testing.assert_frame_equal(before, after)
