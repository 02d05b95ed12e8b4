"""Motifs de visite : pourquoi les usagers viennent, et sur quoi portent les demandes."""

import streamlit as st

from msap_stats.charts import motifs
from msap_stats.ui import blocks

blocks.page_header("Motifs de visite", "Pourquoi les usagers viennent-ils, et sur quoi portent leurs demandes ?")

blocks.chart(motifs.motifs_usagers)
blocks.side_by_side(motifs.demandes_par_thematique, motifs.demandes_par_operateur)
blocks.side_by_side(motifs.types_accompagnement, motifs.part_sante_dependance)
st.subheader("Comparaison entre régions")
blocks.chart(motifs.motifs_par_region)
blocks.chart(motifs.thematiques_par_region)
blocks.methodology()
