"""Activité : les demandes traitées, mois par mois et Maison par Maison."""

import streamlit as st

from msap_stats import ui, views

ui.page_header("Activité", "Combien de demandes, quand, de quel type, et dans quelles Maisons ?")

ui.chart(views.demandes_par_mois)
ui.chart(views.demandes_mois_thematique)
ui.chart(views.demandes_mois_accompagnement)
ui.side_by_side(views.demandes_par_maison, views.demandes_par_heure)
ui.side_by_side((views.profil_public, "tranche_age"), (views.profil_public, "sexe"))
st.subheader("Classement des Maisons")
ui.table(ui.cached(views.classement_maisons, ui.filters()), "classement", "classement_maisons.csv", search=True)
