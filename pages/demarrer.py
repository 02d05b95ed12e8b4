"""Démarrer : la base est vide ; dire quoi faire."""

import streamlit as st

from msap_stats import demo, store, ui

ui.through_navigation()
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
            ui.reset_connection()
            demo.build(store.default_db_path())
        st.rerun()
with right:
    st.subheader("Charger vos données")
    st.markdown("1. Importez d'abord le **registre des Maisons** (la liste nationale des France services de l'ANCT "
                "s'importe telle que publiée) ;\n2. puis les **exports d'activité** et les **enquêtes** "
                "(usagers, agents, habitants).")
    st.code("python -m msap_stats import liste-fs-20240801.csv --kind maisons\n"
            "python -m msap_stats import activite_2016.xlsx --kind activite\n"
            "python -m msap_stats import usagers_2016.csv --kind usagers", language="bash")
    st.markdown("Arrêtez le tableau de bord pendant un import en ligne de commande : la base ne peut être ouverte "
                "en écriture que par un programme à la fois. Les formats attendus sont décrits dans `docs/formats.md` ; `python -m msap_stats template activite "
                "modele.xlsx` écrit un modèle à remplir.")
