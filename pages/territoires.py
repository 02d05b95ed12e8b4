"""Territoires : où sont les Maisons, et comment le réseau couvre les départements."""

import streamlit as st

from msap_stats import ui, views

ui.page_header("Territoires", "Où sont les Maisons, et quels territoires sont les mieux couverts ?")

zones = ui.cached(views.zones, ui.filters())
if not zones:
    st.info(views.NO_MAISON.message)
    st.stop()
zone = ui.setting(st.selectbox, "Territoire affiché", list(zones), "zone", next(iter(zones)), format_func=zones.get)
left, right = st.columns(2)
with left:
    ui.chart(views.carte_maisons, zone)
with right:
    metric = ui.setting(st.selectbox, "Indicateur par département", list(views.DEPARTEMENT_METRICS),
                        "indicateur_carte", next(iter(views.DEPARTEMENT_METRICS)),
                        format_func=lambda m: views.DEPARTEMENT_METRICS[m][0])
    ui.chart(views.carte_departements, metric, zone)
st.subheader("Par département")
ui.table(ui.cached(views.tableau_departements, ui.filters()), "departements", "departements.csv", search=True)
st.subheader("Par région")
ui.table(ui.cached(views.tableau_regions, ui.filters()), "regions", "regions.csv")
