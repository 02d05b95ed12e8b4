"""Territoires : où sont les Maisons, et comment le réseau couvre les départements."""

import streamlit as st

from msap_stats import ui
from msap_stats.charts import common, territoires

ui.page_header("Territoires", "Où sont les Maisons, et quels territoires sont les mieux couverts ?")

zones = ui.cached(territoires.zones, ui.filters())
if not zones:
    st.info(common.NO_MAISON.message)
    st.stop()
zone = ui.setting(st.selectbox, "Territoire affiché", list(zones), "zone", next(iter(zones)), format_func=zones.get)
left, right = st.columns(2)
with left:
    ui.chart(territoires.carte_maisons, zone)
with right:
    metric = ui.setting(st.selectbox, "Indicateur par département", list(territoires.DEPARTEMENT_METRICS),
                        "indicateur_carte", next(iter(territoires.DEPARTEMENT_METRICS)),
                        format_func=lambda m: territoires.DEPARTEMENT_METRICS[m][0])
    ui.chart(territoires.carte_departements, metric, zone)
st.subheader("Par département")
ui.table(ui.cached(territoires.tableau_departements, ui.filters()), "departements", "departements.csv", search=True)
st.subheader("Par région")
ui.table(ui.cached(territoires.tableau_regions, ui.filters()), "regions", "regions.csv")
