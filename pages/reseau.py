"""Réseau et critères : les Maisons au regard du référentiel de leur époque."""

import streamlit as st

from msap_stats import network, referentiels
from msap_stats.charts import reseau
from msap_stats.fmt import nombre
from msap_stats.ui import blocks, connection, filters

blocks.page_header("Réseau et critères",
                   "Les Maisons respectent-elles les règles du réseau, et qui les porte, avec quels partenaires ?")

choices = {referentiels.AUTOMATIQUE: "Selon les dates de labellisation",
           **{k: r.label for k, r in referentiels.REFERENTIELS.items()}}
left, right = st.columns(2)
with left:
    choix = filters.setting(st.selectbox, "Référentiel", list(choices), "referentiel", referentiels.AUTOMATIQUE,
                            format_func=choices.get, help="Le cahier des charges des MSAP (2015-2019) ou la "
                            "charte France services (depuis 2020) ; par défaut, celui que désignent les dates de "
                            "labellisation.")
applied = referentiels.REFERENTIELS[connection.cached(reseau.referentiel, filters.current(), choix)]
distance = any(c.key == "distance" for c in applied.criteres)
seuil = network.DEFAULT_DISTANCE_KM
with right:
    if distance:
        seuil = filters.setting(st.select_slider, "Seuil de proximité entre deux Maisons (km à vol d'oiseau)",
                                [x / 2 for x in range(2, 41)], "seuil_km", network.DEFAULT_DISTANCE_KM,
                                format_func=lambda km: f"{nombre(km, 1)} km",
                                help="Le cahier des charges des MSAP vise environ 20 minutes de trajet entre deux "
                                     "Maisons ; la distance à vol d'oiseau n'en est qu'une approximation : une Maison "
                                     "plus proche que le seuil est « à vérifier ».")
    else:
        st.caption(f"Référentiel appliqué : {applied.label}. {applied.texte}.")
blocks.chart(reseau.conformite, seuil, choix)
with st.expander("Les critères et ce qui permet de les juger"):
    blocks.table(connection.cached(reseau.criteres, filters.current(), seuil, choix), "criteres", "criteres.csv")
st.subheader("Maisons à revoir")
blocks.table(connection.cached(reseau.maisons_en_defaut, filters.current(), seuil, choix), "defaut",
             "maisons_a_revoir.csv", search=True, height=360)
if distance:
    with st.expander("Paires de Maisons fixes plus proches que le seuil"):
        blocks.table(connection.cached(reseau.paires_proches, filters.current(), seuil), "proches",
                     "maisons_proches.csv")
st.subheader("Qui porte les Maisons, et avec quels partenaires")
blocks.side_by_side(reseau.porteurs, reseau.formats)
blocks.chart(reseau.partenariats)
