"""Regards croisés : ce que la Maison change pour le territoire, vu par les usagers, les agents et les habitants."""

import streamlit as st

from msap_stats import ui, views

ui.page_header("Regards croisés", "Usagers, agents et habitants voient-ils les mêmes effets de la Maison sur le territoire ?")

ui.chart(views.impacts_compares)
st.subheader("Les agents")
left, right = st.columns(2)
with left:
    ui.chart(views.profil_agents)
with right:
    ui.chart(views.missions_agents)
st.subheader("Les habitants")
left, right = st.columns(2)
with left:
    ui.chart(views.habitants_connaissance)
with right:
    ui.chart(views.qualite_offre)
