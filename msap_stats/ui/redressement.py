"""The "Redresser une enquête" panel of the import page: calibrate a wave on known margins, remove or restore.

The rules are ``msap_stats.intake.redressement``'s, which the command line (``redresser``) calls too; the panel
only gathers the margins (a file, parts typed in a table, or what the store knows) and shows the report.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..errors import ImportRefused
from ..intake import redressement as red
from ..schema import KINDS, SURVEYS
from ..store import StoreError
from ..survey.calibration import IN_FORCE
from . import access, blocks, connection
from .text import markdown_lines, markdown_text

SOURCES = {"fichier": "Un fichier de marges (variable ; modalite ; part)", "saisie": "Saisir les parts",
           "activite": "L'activité des Maisons enquêtées (sexe, âge)", "registre": "Le registre (format, territoire)"}
TYPED = ("sexe", "tranche_age")  # the table offered to type the users' profile


def panel(con) -> None:
    waves = {k: red.waves(con, k) for k in SURVEYS}
    surveys = {k: KINDS[k].label for k in SURVEYS if waves[k]}
    if not surveys:
        st.caption("Aucune enquête importée : rien à redresser.")
        return
    left, right = st.columns(2)
    kind = left.selectbox("Enquête", list(surveys), format_func=surveys.get, key="red_kind")
    vague = right.selectbox("Vague", waves[kind], key="red_vague")
    history = red.history(con, kind)
    current = next((h for h in history if h["vague"] == vague and h["statut"] == IN_FORCE), None)
    if current:
        _report({"id": current["id"], "kind": kind, "vague": vague, "source": current["modele"].get("source", ""),
                 **current["rapport"]})
        if st.button("Retirer ce redressement", key="red_retirer"):
            _act(lambda w: red.retirer(w, kind, vague, user=access.acting_user()))
    else:
        st.caption(f"La vague « {markdown_text(vague)} » repose sur les poids du fichier (ou aucun) : elle n'est pas "
                   "redressée.")
    source = st.radio("Marges", list(SOURCES), format_func=SOURCES.get, key="red_source", horizontal=True)
    margins = _margins(con, kind, vague, source)
    borne = st.number_input("Borne (facultative) : chaque poids reste entre 1/R et R fois le sien", min_value=1.1,
                            value=None, step=0.5, key="red_borne", placeholder="sans borne")
    if st.button("Redresser la vague", type="primary", key="red_go", disabled=margins is None):
        _act(lambda w: red.redresser(w, kind, margins(w) if callable(margins) else margins, vague, borne,
                                     user=access.acting_user()))
    done = st.session_state.pop("_red_done", None)
    if done and done[0] == "ok" and isinstance(done[1], dict):
        st.success(markdown_text(red.report_text(done[1])[0]))
    elif done:
        (st.success if done[0] == "ok" else st.error)(markdown_lines(done[1]))
    ended = [h for h in history if h["statut"] != IN_FORCE]
    if ended:
        with st.expander(f"Redressements passés de l'enquête ({len(ended)})"):
            table = pd.DataFrame({"N°": [h["id"] for h in ended], "Vague": [h["vague"] for h in ended],
                                  "Sur": [", ".join(h["modele"]["libelles"]) for h in ended],
                                  "Statut": [h["statut"] for h in ended],
                                  "Le, par": [f"{h['date']:%d/%m/%Y}, {h['auteur']}" for h in ended]})
            st.dataframe(blocks.french_table(table), hide_index=True, width="stretch")
            chosen = st.selectbox("Rétablir", [h["id"] for h in ended], index=None, key="red_retablir",
                                  format_func=lambda i: f"n°{i}", placeholder="Choisissez le redressement à rétablir")
            if st.button("Rétablir ce redressement", key="red_retablir_go", disabled=chosen is None):
                _act(lambda w: red.retablir(w, chosen, user=access.acting_user()))


def _report(report: dict) -> None:
    """A calibration's report: what it rests on, each modality before, after and aimed at, the weights' spread."""
    lines = red.report_text(report)
    st.info(markdown_text(lines[0]), icon=":material/balance:")
    for remark in report.get("remarques", []):
        st.warning(markdown_text(f"Remarque : {remark}."), icon=":material/warning:")
    st.dataframe(blocks.french_table(pd.DataFrame(red.report_rows(report))), hide_index=True, width="stretch")
    st.caption(markdown_text(lines[-1]))


def _margins(con, kind: str, vague: str, source: str):
    """The margins the panel gathered (or a function of the writer's connection computing them), None if none."""
    if source == "fichier":
        up = st.file_uploader("Fichier de marges", type=["csv", "txt", "xlsx", "ods"], key="red_fichier")
        if up is None:
            return None
        try:
            return red.read_margins(up.getvalue(), up.name)
        except ImportRefused as exc:
            st.error(markdown_lines(exc))
            return None
    if source == "saisie":
        known = red.variables(kind)
        rows = [{"variable": known[v].label, "modalite": c.label, "part": None}
                for v in TYPED if v in known for c in known[v].codes]
        typed = st.data_editor(pd.DataFrame(rows), num_rows="dynamic", key=f"red_saisie_{kind}", hide_index=True,
                               column_config={"part": st.column_config.NumberColumn("Part (%)", min_value=0.0,
                                                                                    max_value=100.0)})
        typed = typed.dropna(subset=["part"])
        if typed.empty:
            return None
        parts: dict[str, dict[str, float]] = {}
        for r in typed.itertuples():
            parts.setdefault(str(r.variable), {})[str(r.modalite)] = float(r.part)
        return red.Margins(parts, "parts saisies sur la page")
    names = st.multiselect("Variables", ["sexe", "tranche_age"] if source == "activite" else
                           ["format", "code_region", "code_departement"], key=f"red_vars_{source}",
                           default=["sexe", "tranche_age"] if source == "activite" else ["format"])
    if not names:
        return None
    return lambda writer: red.margins_from_store(writer, kind, source, tuple(names), vague)


def _act(action) -> None:
    try:
        with connection.writing() as writer:
            st.session_state["_red_done"] = ("ok", action(writer))
    except (ImportRefused, StoreError) as exc:
        st.session_state["_red_done"] = ("erreur", str(exc))
    st.rerun()
