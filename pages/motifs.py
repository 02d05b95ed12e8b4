"""Motifs de visite : pourquoi les usagers viennent, et sur quoi portent les demandes."""

import streamlit as st

from msap_stats import ui
from msap_stats.charts import motifs

ui.page_header("Motifs de visite", "Pourquoi les usagers viennent-ils, et sur quoi portent leurs demandes ?")

ui.chart(motifs.motifs_usagers)
ui.side_by_side(motifs.demandes_par_thematique, motifs.demandes_par_operateur)
ui.side_by_side(motifs.types_accompagnement, motifs.part_sante_dependance)
st.subheader("Comparaison entre régions")
ui.chart(motifs.motifs_par_region)
ui.chart(motifs.thematiques_par_region)
ui.methodology()
