"""Territoires : où sont les Maisons, et comment le réseau couvre les départements."""

import streamlit as st

from msap_stats.charts import common, territoires
from msap_stats.ui import blocks, connection, filters

blocks.page_header("Territoires", "Où sont les Maisons, et quels territoires sont les mieux couverts ?")

zones = connection.cached(territoires.zones, filters.current())
if not zones:
    st.info(common.NO_MAISON.message)
    st.stop()
zone = filters.setting(st.selectbox, "Territoire affiché", list(zones), "zone", next(iter(zones)),
                       format_func=zones.get)
left, right = st.columns(2)
with left:
    blocks.chart(territoires.carte_maisons, zone)


def density_map() -> None:  # its indicator redraws this map alone
    metric = filters.setting(st.selectbox, "Indicateur par département", list(territoires.DEPARTEMENT_METRICS),
                             "indicateur_carte", next(iter(territoires.DEPARTEMENT_METRICS)),
                             format_func=lambda m: territoires.DEPARTEMENT_METRICS[m][0])
    blocks.chart(territoires.carte_departements, metric, zone)


with right:
    blocks.fragment(density_map)
st.subheader("Par département")
blocks.table(connection.cached(territoires.tableau_departements, filters.current()), "departements", "departements.csv",
             search=True)
st.subheader("Par région")
blocks.table(connection.cached(territoires.tableau_regions, filters.current()), "regions", "regions.csv")
