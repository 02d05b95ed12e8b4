"""Satisfaction des usagers : l'accueil, la simplification du quotidien, les attentes."""

import streamlit as st

from msap_stats import ui, views

ui.page_header("Satisfaction des usagers", "Les usagers sont-ils satisfaits, et cela varie-t-il selon qui ils sont et où ?")

by = ui.setting(st.segmented_control, "Ventiler selon", list(views.BREAKDOWNS), "ventilation", "tranche_age",
                format_func=views.BREAKDOWNS.get)
ui.chart(views.satisfaction_accueil, by)
ui.side_by_side((views.tres_satisfaits_par, by), (views.simplifie_quotidien, by))
ui.chart(views.attentes)
ui.methodology()
