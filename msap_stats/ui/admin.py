"""Streamlit blocks of the "Administration" page: the roles and the audit log (the rules are in ``roles``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import audit, reference
from ..access import roles
from ..sheets import csv_bytes
from ..store import StoreError
from . import access, connection, text


def roles_block(con) -> None:
    st.subheader("Rôles")
    table = roles.list_roles(con)
    if table.empty:
        st.info("Aucun rôle n'est encore donné : en mode local, vous administrez seul(e) ce tableau de bord. "
                "Donnez des rôles avant d'activer la connexion (voir le README).", icon=":material/info:")
    else:
        st.dataframe(pd.DataFrame({"Adresse": table["email"], "Rôle": table["role"],
                                   "Régions": [", ".join(r) if len(r) else "–" for r in table["regions"]],
                                   "Accordé par": table["accorde_par"], "Le": table["accorde_le"]}),
                     hide_index=True, width="stretch")
    st.caption(" · ".join(f"**{r}** : {what}" for r, what in roles.ROLES.items()))
    names = dict(reference.regions()[["code_region", "region"]].itertuples(index=False))
    with st.form("role_form"):
        email = st.text_input("Adresse électronique (celle de la connexion)")
        role = st.selectbox("Rôle", list(roles.ROLES), placeholder="Choisissez le rôle")
        regions = st.multiselect("Régions (coordinateur)", list(names), format_func=names.get,
                                 placeholder="Les régions d'un coordinateur")
        grant, revoke = st.columns(2)
        given = grant.form_submit_button("Accorder ce rôle", type="primary")
        removed = revoke.form_submit_button("Retirer son rôle")
    if given or removed:
        try:
            with connection.writing() as writer:
                message = (roles.grant(writer, access.acting_user(), email, role, tuple(regions)) if given
                           else roles.revoke(writer, access.acting_user(), email))
            st.session_state["_admin_fait"] = message
            st.rerun()
        except StoreError as exc:
            st.error(text.html_text(str(exc)))
    if done := st.session_state.pop("_admin_fait", None):
        st.success(text.html_text(done))


def audit_block(con) -> None:
    st.subheader("Journal d'audit")
    log = audit.audit_log(con)
    st.caption(f"{len(log)} entrée(s) : imports, annulations, tentatives refusées et changements de rôle, les plus "
               "récentes d'abord.")
    shown = log.rename(columns={"quand": "Quand", "utilisateur": "Utilisateur", "action": "Action",
                                "detail": "Détail"})
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button("Télécharger le journal (CSV)", csv_bytes(shown), file_name="journal-audit.csv",
                       mime="text/csv", icon=":material/download:")
