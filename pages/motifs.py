"""Motifs de visite : pourquoi les usagers viennent, et sur quoi portent les demandes."""

import streamlit as st

from msap_stats import ui, views

ui.page_header("Motifs de visite", "Pourquoi les usagers viennent-ils, et sur quoi portent leurs demandes ?")

ui.chart(views.motifs_usagers)
ui.side_by_side(views.demandes_par_thematique, views.demandes_par_operateur)
ui.side_by_side(views.types_accompagnement, views.part_sante_dependance)
st.subheader("Comparaison entre régions")
ui.chart(views.motifs_par_region)
ui.chart(views.thematiques_par_region)
ui.methodology()
