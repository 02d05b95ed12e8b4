"""Regards croisés : ce que la Maison change pour le territoire, vu par les usagers, les agents et les habitants."""

import streamlit as st

from msap_stats.charts import regards
from msap_stats.ui import blocks

blocks.page_header("Regards croisés",
                   "Usagers, agents et habitants voient-ils les mêmes effets de la Maison sur le territoire ?")

blocks.chart(regards.impacts_compares)
st.subheader("Les agents")
blocks.side_by_side(regards.profil_agents, regards.missions_agents)
blocks.chart(regards.arrivee_agents)
st.subheader("Les habitants")
blocks.side_by_side(regards.habitants_connaissance, regards.qualite_offre)
blocks.methodology()
