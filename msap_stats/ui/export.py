"""The "Exporter" page's blocks: the En bref pack for the current filters, and each of its pieces."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from ..charts import common
from ..export import catalogue, note, pack
from ..fmt import nombre
from ..store import StoreError
from . import access, connection, filters, text

PROPOSED = "Note proposée (graphiques choisis par les données)"
BOX = "Encadré (un titre et un texte)"
PIECES = {f"{p.page} — {p.nom}": p.key for p in catalogue.CATALOGUE}
LABELS = {v: k for k, v in PIECES.items()}


MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "png": "image/png", "svg": "image/svg+xml", "txt": "text/plain", "zip": "application/zip"}


def _mime(name: str) -> str:
    return MIME.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def current_pack(composed: note.Note | None = None) -> pack.Pack | None:
    """The pack built in this session for these filters, this note and this data, if any."""
    kept = st.session_state.get("_dossier")
    return kept[1] if kept and kept[0] == _built_key(composed) else None


def _built_key(composed: note.Note | None) -> tuple:
    return filters.current(), connection.data_version(), composed.to_json() if composed else None


def compose() -> note.Note | None:
    """The note composed on the page: from the proposed one or a saved one, its charts in order, its texts (left
    empty: proposed from the data), boxes and colophon; saved by name, duplicated for the perimeter in force."""
    con = connection.cursor()
    f = filters.current()
    with st.expander("Composer la note : graphiques, textes, encadrés, colophon", icon=":material/edit_note:"):
        saved = note.names(con)
        start = st.selectbox("Partir de", [PROPOSED, *saved], key="note_depart")
        base = note.proposed(f) if start == PROPOSED else note.load(con, start)
        if start != PROPOSED and base.filters != f:
            st.info(f"La note « {text.markdown_text(base.nom)} » garde son périmètre : "
                    f"{text.markdown_text(common.perimetre(base.filters))}. Pour le périmètre en cours, "
                    "dupliquez-la ci-dessous.", icon=":material/info:")
        if start != PROPOSED and note.changed_since(con, base):
            st.warning("Les données ont changé depuis l'enregistrement de cette note : ses chiffres suivent les "
                       "données d'aujourd'hui.", icon=":material/update:")
        key = "note_proposee" if start == PROPOSED else f"note_{start}"
        st.caption("Un texte laissé vide est proposé à partir des données (le titre du réseau, les chiffres clés, "
                   "ce que montre chaque graphique).")
        where = base.filters if start != PROPOSED else f
        titre = st.text_input("Titre", base.titre or "", key=f"{key}_titre",
                              placeholder=f"Les {connection.cached(common.network_name, where)}")
        sous_titre = st.text_input("Sous-titre", base.sous_titre or "", key=f"{key}_sous_titre")
        intro = st.text_area("Introduction", base.introduction or "", key=f"{key}_intro",
                             placeholder=connection.cached(pack.introduction, where))
        rows = [{"Ordre": i, "Pièce": LABELS.get(s.piece, BOX), "Titre": s.titre or "", "Texte": s.texte or ""}
                for i, s in enumerate(base.sections, start=1)]
        st.caption("Une ligne par section : ajoutez-en, supprimez-en, changez l'ordre (colonne « Ordre »).")
        edited = st.data_editor(pd.DataFrame(rows, columns=["Ordre", "Pièce", "Titre", "Texte"]), num_rows="dynamic",
                                hide_index=True, width="stretch", key=f"{key}_sections", column_config={
                                    "Ordre": st.column_config.NumberColumn("Ordre", min_value=1, step=1, width="small"),
                                    "Pièce": st.column_config.SelectboxColumn("Pièce", options=[*PIECES, BOX],
                                                                              required=True, width="large"),
                                    "Titre": st.column_config.TextColumn("Titre (vide : proposé)"),
                                    "Texte": st.column_config.TextColumn("Texte (vide : proposé)", width="large")})
        st.markdown("**Colophon**")
        cols = st.columns(3)
        colophon = {k: cols[i % 3].text_input(label, base.colophon.get(k, ""), key=f"{key}_col_{k}")
                    for i, (k, label) in enumerate(note.COLOPHON.items())}
        ordered = edited.assign(_rang=range(len(edited))).sort_values(["Ordre", "_rang"], na_position="last")
        sections = [note.Section(PIECES.get(r["Pièce"]), _typed(r["Titre"]), _typed(r["Texte"]))
                    for r in ordered.to_dict("records") if isinstance(r.get("Pièce"), str)]
        composed = note.Note(base.nom, base.filtres if start != PROPOSED else f.describe(), titre or None,
                             sous_titre or None, intro or None, sections, colophon, base.version)
        left, right = st.columns(2)
        nom = left.text_input("Nom de la note", base.nom, key=f"{key}_nom", max_chars=note.MAX_NAME)
        if left.button("Enregistrer la note", key="note_enregistrer", icon=":material/save:"):
            _note_act(lambda w: note.save(w, replace(composed, nom=nom), access.acting_user().email),
                      "enregistrée")
        if start != PROPOSED:
            copy = right.text_input("Nom de la copie", key=f"{key}_copie", max_chars=note.MAX_NAME)
            if right.button("Dupliquer pour le périmètre en cours", key="note_dupliquer", icon=":material/copy_all:"):
                _note_act(lambda w: note.duplicate(w, start, copy, f, access.acting_user().email), "dupliquée")
        done = st.session_state.pop("_note_done", None)
        if done:
            (st.success if done[0] == "ok" else st.error)(text.markdown_text(done[1]))
    if start == PROPOSED and sections == base.sections and not any([titre, sous_titre, intro, *colophon.values()]):
        return None  # nothing changed: the proposed note
    return composed


def _typed(value) -> str | None:
    """A cell of the sections' table: its text, or None (left empty, a new row's blank)."""
    return value.strip() or None if isinstance(value, str) else None


def _note_act(action, done: str) -> None:
    try:
        with connection.writing() as writer:
            made = action(writer)
        kept = note.written(made) if done == "dupliquée" else []
        st.session_state["_note_done"] = ("ok", f"Note « {made.nom} » {done} ; reconstruisez-la ici ou avec "
                                                f"« export --note {made.nom} »." + (
                                                    f" Textes écrits gardés tels quels, à relire pour ce périmètre : "
                                                    f"{', '.join(kept)}." if kept else ""))
    except StoreError as exc:
        st.session_state["_note_done"] = ("erreur", str(exc))
    st.rerun()  # the list of notes, from the store as it now is


def prepare(composed: note.Note | None = None) -> None:
    f = composed.filters if composed else filters.current()
    st.markdown(f"**Périmètre** — {text.html_text(common.perimetre(f))}  \n**Période** — "
                f"{text.html_text(connection.cached(common.periode, f))}")
    st.caption("Changez les filtres dans le panneau latéral : le dossier suit la vue en cours (la même adresse "
               "de page reproduit le même dossier).")
    if st.button("Préparer le dossier « En bref »", type="primary", key="preparer_dossier",
                 icon=":material/picture_as_pdf:"):
        with st.spinner("Mise en page de la note, des images et des tableaux…"):
            try:
                built = pack.build(connection.cursor(), f, note=composed)
            except pack.EmptyPerimeter as e:
                st.info(str(e))
                return
            except StoreError as e:
                st.error(text.markdown_text(str(e)))
                return
        st.session_state["_dossier"] = (_built_key(composed), built)


def offer(built: pack.Pack) -> None:
    st.success(f"Dossier prêt en {nombre(built.seconds, 1)} s : {len(built.charts)} graphique(s), "
               f"{nombre(len(built.zip_bytes) / 1e6, 1)} Mo.", icon=":material/check_circle:")
    st.download_button(f"Télécharger le dossier complet ({built.zip_name})", built.zip_bytes,
                       file_name=built.zip_name, mime=_mime("zip"), type="primary", key="dossier_zip",
                       on_click="ignore", icon=":material/folder_zip:")
    if built.absents:
        st.markdown("**Absent de ce périmètre** (la note le dit) :")
        for a in built.absents:
            st.markdown(f"- {text.html_text(a)}")
    st.subheader("Chaque pièce")
    for name in ("en-bref.pdf", "tableaux.xlsx", "LISEZMOI.txt"):
        st.download_button(name, built.files[name], file_name=name, mime=_mime(name), key=f"piece_{name}",
                           on_click="ignore", icon=":material/download:")
    for i, (nom, chart) in enumerate(built.charts, start=1):
        st.markdown(f"**{i}. {text.html_text(nom)}** — {text.html_text(chart.titre)}")
        left, right = st.columns(2)
        for column, ext in ((left, "png"), (right, "svg")):
            name = f"graphiques/{i:02d}-{pack.slug(nom)}.{ext}"
            column.download_button(f"Image ({ext.upper()})", built.files[name], file_name=name.split("/")[-1],
                                   mime=_mime(ext), key=f"piece_{name}", on_click="ignore", icon=":material/image:")
