"""Vue d'ensemble : les chiffres clés, comme la note En bref les présente, et un graphique par thème."""

import streamlit as st

from msap_stats.charts import activite, motifs, overview, regards, reseau, satisfaction, territoires
from msap_stats.ui import blocks, connection, filters

blocks.page_header("Vue d'ensemble",
                   "Qui vient dans les Maisons, pourquoi, avec quelle satisfaction, et où en est le réseau ?")

figures = connection.cached(overview.key_figures, filters.current())
for row in (figures[:4], figures[4:]):
    for col, k in zip(st.columns(4), row):
        with col:
            blocks.key_figure(k)
blocks.key_figures_citations(figures)

st.divider()
THEMES = [
    (motifs.motifs_usagers, "pages/motifs.py", "Motifs de visite"),
    (satisfaction.satisfaction_accueil, "pages/satisfaction.py", "Satisfaction des usagers"),
    (regards.impacts_compares, "pages/regards-croises.py", "Regards croisés"),
    (activite.demandes_par_mois, "pages/activite.py", "Activité"),
    (territoires.maisons_par_region, "pages/territoires.py", "Territoires"),
    (reseau.conformite, "pages/reseau.py", "Réseau et critères"),
]
for pair in (THEMES[0:2], THEMES[2:4], THEMES[4:6]):
    for col, (view, target, label) in zip(st.columns(2), pair):
        with col:
            blocks.chart(view)
            blocks.page_link(target, f"Voir la page « {label} »")
