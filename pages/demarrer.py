"""Démarrer : la base est vide ; dire quoi faire."""

import streamlit as st

from msap_stats import demo, store
from msap_stats.ui import blocks, connection

blocks.through_navigation()
st.title("Évaluation des Maisons de services au public")
st.markdown("La base de données est **vide** : aucun registre des Maisons n'a encore été chargé.")
left, right = st.columns(2)
with left:
    st.subheader("Découvrir avec la démonstration")
    st.markdown("Un réseau synthétique d'environ 1 100 Maisons, tel qu'en février 2017, avec une année d'activité "
                "et les trois enquêtes de l'automne 2016, calibré sur les chiffres publiés par le CGET. "
                "Il est signalé comme tel sur chaque page.")
    if st.button("Charger la démonstration", type="primary", key="charger_demo"):
        with st.spinner("Construction de la base de démonstration…"):
            connection.reset_connection()
            demo.build(store.default_db_path())
        st.rerun()
with right:
    st.subheader("Charger vos données")
    st.markdown("1. Importez d'abord le **registre des Maisons** (la liste nationale des France services de l'ANCT "
                "s'importe telle que publiée, quelle que soit son année) ;\n2. puis les **exports d'activité** et les "
                "**enquêtes** (usagers, agents, habitants), tels que vous les tenez : l'assistant reconnaît les "
                "colonnes, les mois en colonnes, une feuille par mois, vos propres libellés.")
    blocks.page_link("pages/importer.py", "Importer des données")
    st.caption("En ligne de commande, les mêmes fonctions : `python -m msap_stats inspect FICHIER --kind maisons` "
               "puis `python -m msap_stats import FICHIER --kind maisons`.")
