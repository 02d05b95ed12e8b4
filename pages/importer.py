"""Importer des données : l'assistant d'import, l'historique des imports, le redressement des enquêtes et les profils
de source."""

import streamlit as st

from msap_stats.ui import blocks, connection, imports, redressement

blocks.page_header("Importer des données",
                   "Apporter un registre, un export d'activité ou une enquête, tel que vous l'avez.", figures=False)

con = connection.cursor()
kind = imports.choose_kind()
files = imports.upload()
current = imports.pick_file(files)
imports.last_result(current)
if current is not None:
    imports.assistant_for(con, current, kind, others=len(files) - 1)
else:
    imports.forget_inspection()

st.divider()
st.subheader("Historique des imports")
imports.history(con)
with st.expander("Redresser une enquête (calage sur des marges connues)"):
    redressement.panel(con)
with st.expander("Tentatives refusées (journal séparé, sans effet sur les données)"):
    imports.refusals(con)
with st.expander("Profils de source"):
    imports.profile_admin(con)
