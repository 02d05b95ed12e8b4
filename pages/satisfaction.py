"""Satisfaction des usagers : l'accueil, la simplification du quotidien, les attentes."""

import streamlit as st

from msap_stats.charts import common, satisfaction
from msap_stats.ui import blocks, filters

blocks.page_header("Satisfaction des usagers",
                   "Les usagers sont-ils satisfaits, et cela varie-t-il selon qui ils sont et où ?")



def broken_down() -> None:  # the breakdown redraws these three charts alone
    by = filters.setting(st.segmented_control, "Ventiler selon", list(common.BREAKDOWNS), "ventilation",
                         satisfaction.DEFAULT_BREAKDOWN, format_func=common.BREAKDOWNS.get)
    blocks.chart(satisfaction.satisfaction_accueil, by)
    blocks.side_by_side((satisfaction.tres_satisfaits_par, by), (satisfaction.simplifie_quotidien, by))


blocks.fragment(broken_down)
blocks.chart(satisfaction.attentes)
blocks.methodology()
