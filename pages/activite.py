"""Activité : les demandes traitées, mois par mois et Maison par Maison."""

import streamlit as st

from msap_stats.charts import activite
from msap_stats.ui import blocks, connection, filters

blocks.page_header("Activité", "Combien de demandes, quand, de quel type, et dans quelles Maisons ?")

blocks.chart(activite.demandes_par_mois)
blocks.chart(activite.demandes_mois_thematique)
blocks.chart(activite.demandes_mois_accompagnement)
blocks.side_by_side(activite.demandes_par_maison, activite.demandes_par_heure)
blocks.side_by_side((activite.profil_public, "tranche_age"), (activite.profil_public, "sexe"))
st.subheader("Classement des Maisons")
blocks.table(connection.cached(activite.classement_maisons, filters.current()), "classement", "classement_maisons.csv",
             search=True, folded="Voir le classement de toutes les Maisons, le chercher et le télécharger")
