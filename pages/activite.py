"""Activité : les demandes traitées, mois par mois et Maison par Maison."""

import streamlit as st

from msap_stats import ui
from msap_stats.charts import activite

ui.page_header("Activité", "Combien de demandes, quand, de quel type, et dans quelles Maisons ?")

ui.chart(activite.demandes_par_mois)
ui.chart(activite.demandes_mois_thematique)
ui.chart(activite.demandes_mois_accompagnement)
ui.side_by_side(activite.demandes_par_maison, activite.demandes_par_heure)
ui.side_by_side((activite.profil_public, "tranche_age"), (activite.profil_public, "sexe"))
st.subheader("Classement des Maisons")
ui.table(ui.cached(activite.classement_maisons, ui.filters()), "classement", "classement_maisons.csv", search=True)
