"""Vue d'ensemble : les chiffres clés, comme la note En bref les présente, et un graphique par thème."""

import streamlit as st

from msap_stats.charts import overview
from msap_stats.ui import blocks, connection, filters
from msap_stats.ui.warmup import OVERVIEW_THEMES

blocks.page_header("Vue d'ensemble",
                   "Qui vient dans les Maisons, pourquoi, avec quelle satisfaction, et où en est le réseau ?")

figures = connection.cached(overview.key_figures, filters.current())
for row in (figures[:4], figures[4:]):
    for col, k in zip(st.columns(4), row):
        with col:
            blocks.key_figure(k)
blocks.key_figures_citations(figures)

st.divider()


def themes(*rows) -> None:
    for pair in rows:
        for col, (view, target, label) in zip(st.columns(2), pair):
            with col:
                blocks.chart(view)
                blocks.page_link(target, f"Voir la page « {label} »")


# Each part of the charts drawn when on screen (or once the page rests): the first row with the page as it opens,
# the two rows below when they come near the screen; after a change of filters, the part the reader is looking at.
blocks.when_shown("vue_ensemble_haut", lambda: themes(OVERVIEW_THEMES[0:2]), height=520, on_screen_first=True)
blocks.when_shown("vue_ensemble", lambda: themes(OVERVIEW_THEMES[2:4], OVERVIEW_THEMES[4:6]), height=1450)
