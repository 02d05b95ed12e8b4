"""Regards croisés : ce que la Maison change pour le territoire, vu par les usagers, les agents et les habitants."""

import streamlit as st

from msap_stats import ui, views

ui.page_header("Regards croisés", "Usagers, agents et habitants voient-ils les mêmes effets de la Maison sur le territoire ?")

ui.chart(views.impacts_compares)
st.subheader("Les agents")
ui.side_by_side(views.profil_agents, views.missions_agents)
ui.chart(views.arrivee_agents)
st.subheader("Les habitants")
ui.side_by_side(views.habitants_connaissance, views.qualite_offre)
ui.methodology()
