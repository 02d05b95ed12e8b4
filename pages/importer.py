"""Importer des données : l'assistant d'import, l'historique des imports et les profils de source."""

import streamlit as st

from msap_stats import ui, ui_import

ui.page_header("Importer des données", "Apporter un registre, un export d'activité ou une enquête, tel que vous l'avez.",
               figures=False)

con = ui.cursor()
kind = ui_import.choose_kind()
files = ui_import.upload(kind)
current = ui_import.pick_file(files)
ui_import.last_result(current)
if current is not None:
    ui_import.assistant_for(con, current, kind, others=len(files) - 1)
else:
    ui_import.forget_inspection()

st.divider()
st.subheader("Historique des imports")
ui_import.history(con)
with st.expander("Tentatives refusées (journal séparé, sans effet sur les données)"):
    ui_import.refusals(con)
with st.expander("Profils de source"):
    ui_import.profile_admin(con)
