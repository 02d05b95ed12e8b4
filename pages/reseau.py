"""Réseau et cahier des charges : les Maisons au regard des critères de reconnaissance."""

import streamlit as st

from msap_stats import network, ui, views
from msap_stats.fmt import nombre

ui.page_header("Réseau et cahier des charges",
               "Les Maisons respectent-elles les critères du réseau, et qui les porte, avec quels partenaires ?")

seuil = st.select_slider("Seuil de proximité entre deux Maisons (km à vol d'oiseau)",
                         options=[x / 2 for x in range(2, 41)], value=network.DEFAULT_DISTANCE_KM,
                         format_func=lambda km: f"{nombre(km, 1)} km", key="seuil_km",
                         help="La règle vise environ 20 minutes de trajet entre deux Maisons ; la distance à vol "
                              "d'oiseau n'en est qu'une approximation : une Maison plus proche que le seuil est "
                              "« à vérifier ».")
ui.chart(views.conformite, seuil)
st.subheader("Maisons à revoir")
ui.table(ui.cached(views.maisons_en_defaut, ui.filters(), seuil), "defaut", "maisons_a_revoir.csv", search=True,
         height=360)
with st.expander("Paires de Maisons plus proches que le seuil"):
    ui.table(ui.cached(views.paires_proches, ui.filters(), seuil), "proches", "maisons_proches.csv")
st.subheader("Qui porte les Maisons, et avec quels partenaires")
ui.side_by_side(views.porteurs, views.formats)
ui.chart(views.partenariats)
