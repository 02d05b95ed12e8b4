"""Streamlit blocks of the "Importer des données" page: the assistant, the history, the profiles.

The page adds no rule of its own: reading, matching, checking and loading are the
functions of ``msap_stats.intake`` that the command
line calls too. What came from a file is shown as data (tables, escaped text).
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from .. import store
from ..access import roles
from ..access.users import current_user
from ..errors import SHOWN_PER_GROUP, ImportRefused
from ..fmt import nombre
from ..intake import assistant, journal, profiles, templates
from ..intake.guard import MAX_FILE_BYTES
from ..intake.importer import import_inspection, rollback
from ..intake.matching import BLANK, KEEP
from ..intake.profiles import Choices
from ..intake.report import problems_xlsx
from ..schema import KINDS
from ..store import STATUT_CHARGE, StoreError
from . import access, blocks, connection
from .text import markdown_lines, markdown_text


IGNORE = "(ignorer cette colonne)"
NO_PROFILE = "(aucun profil)"
TO_CHOOSE = "(à choisir)"
CHOOSE = "Choisissez…"  # what a box shows while nothing is chosen (Streamlit says "Choose an option")
EXTENSIONS = ["csv", "txt", "xlsx", "xls", "ods"]


def _state() -> dict:
    return st.session_state.setdefault("_import", {"uploader": 0, "done": None, "inspection": None})


# --- Step 1: kind and files -------------------------------------------------------------

def choose_kind() -> str:
    """The kinds this user may import (a coordinator: not the registry, which the administrators keep)."""
    user = access.acting_user()
    kinds = [k for k in KINDS if roles.may_import_kind(user, k)] if user else list(KINDS)
    kind = st.selectbox("Type de fichier", kinds, format_func=lambda k: KINDS[k].label, key="imp_kind",
                        placeholder=CHOOSE,
                        help="Le registre des Maisons d'abord : l'activité et les enquêtes s'y rattachent.")
    k = KINDS[kind]
    left, right = st.columns([2, 1])
    with left:
        st.caption(k.description + " Colonnes obligatoires : "
                   + ", ".join(f"{c.name}" for c in k.columns if c.required) + ".")
    with right:
        st.download_button("Télécharger le modèle (.xlsx)", templates.template_bytes(kind),
                           file_name=f"modele_{kind}.xlsx", key=f"modele_{kind}", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return kind


def upload_limit() -> int:
    """Bytes a file may have on this page: Streamlit's server.maxUploadSize, within the importer's own limit."""
    return min(int(st.get_option("server.maxUploadSize")) * 2**20, MAX_FILE_BYTES)


def upload() -> list:
    """The drop zone: the same for every kind, so that the files dropped stay when the kind is changed (the
    assistant says when a file is of another kind, and that a GeoJSON file can only be the registry)."""
    state = _state()
    files = st.file_uploader(
        f"Déposez un ou plusieurs fichiers (CSV, Excel, OpenDocument ; GeoJSON pour le registre ; "
        f"{upload_limit() // 2**20} Mo au plus chacun)", type=EXTENSIONS + ["geojson", "json"],
        accept_multiple_files=True, key=f"imp_fichiers_{state['uploader']}")
    return files or []


def last_result(current) -> None:
    """The message of the last import, while no other file is being looked at."""
    done = _state().get("done")
    if done and (current is None or hashlib.sha256(current.getvalue()).hexdigest() == done[2]):
        (st.success if done[0] == "ok" else st.info)("  \n".join(markdown_text(line) for line in done[1].splitlines()))


def pick_file(files: list):
    """The file the assistant looks at: the only one, or the one chosen among those dropped."""
    if len(files) <= 1:
        return files[0] if files else None
    names = [f.name for f in files]
    chosen = st.radio("Fichier à examiner (un à la fois ; un fichier importé reste affiché comme déjà chargé)",
                      range(len(files)), format_func=names.__getitem__, horizontal=True, key="imp_fichier_courant")
    return files[chosen or 0]


# --- Step 2: the assistant ----------------------------------------------------------

def _choices(file_key: str, insp_columns: list[str], kind: str) -> Choices:
    """The person's choices, read from the widgets of the previous run."""
    ss = st.session_state
    k = KINDS[kind]
    labels = {c.label: c.name for c in k.columns}
    cols = {}
    for i, name in enumerate(insp_columns):
        v = ss.get(f"imp_col_{file_key}_{i}")
        if v is not None:
            cols[name] = labels.get(v)
    values: dict[str, dict[str, str]] = {}
    for key, v in ss.items():
        if isinstance(key, str) and key.startswith(f"imp_val_{file_key}_") and v is not None:
            col, idx = key[len(f"imp_val_{file_key}_"):].rsplit("_", 1)
            value = ss.get(f"imp_valnom_{file_key}_{col}_{idx}")
            if value is not None and v != TO_CHOOSE:
                values.setdefault(col, {})[value] = _code_choice(k.column(col), v)
    maison = ss.get(f"imp_maison_{file_key}")
    chosen = ss.get(f"imp_date_{file_key}")  # a registry's date, when the person changed the one the file gives
    date = str(chosen) if chosen and chosen != ss.get(f"imp_dateauto_{file_key}") else None
    wave = ss.get(f"imp_vague_{file_key}")  # a survey's wave, when the person changed the one found
    wave = wave if wave and wave != ss.get(f"imp_vagueauto_{file_key}") else None
    return Choices(cols, values, maison.split(" — ")[0] if maison else None, bool(ss.get(f"imp_coord_{file_key}")),
                   date, wave)


def _codes(con, col) -> dict[str, str]:
    """label -> code of what a value of ``col`` may become: its codes, or for the Maison column the Maisons of
    the registry (labelled to be searched by name, commune, département or identifier)."""
    if col.maison_ref:
        return {f"{i} — {n} — {where}": i for i, n, where in assistant.maisons(con)}
    return {c.label: c.code for c in col.codes}


def _code_options(col, codes: dict[str, str]) -> list[str]:
    opts = list(codes)
    if col.own_categories:
        opts.append("(garder telle quelle)")
    if not col.not_null:
        opts.append("(laisser vide)")
    return opts


def _code_choice(col, label: str) -> str:
    if label == "(garder telle quelle)":
        return KEEP
    if label == "(laisser vide)":
        return BLANK
    if col.maison_ref:
        return label.split(" — ")[0]
    return next((c.code for c in col.codes if c.label == label), BLANK)


def _code_label(codes: dict[str, str], code: str | None) -> str | None:
    if code == KEEP:
        return "(garder telle quelle)"
    if code == BLANK:
        return "(laisser vide)"
    return next((label for label, c in codes.items() if c == code), None)


def inspect_file(con, data: bytes, fichier: str, kind: str):
    """The inspection of a dropped file with the person's current choices (kept for the next run)."""
    state = _state()
    file_key = f"{hashlib.sha256(data).hexdigest()[:12]}_{kind}"  # in every widget's key: one set per file and kind
    previous = state.get("inspection")
    # The profile box: absent at the first run (the assistant finds the profile), then the person's choice.
    prof = st.session_state.get(f"imp_profil_{file_key}")
    same_file = previous and previous[0][0] == file_key and prof in (None, previous[0][1])
    headers = previous[1].frame.headers if same_file else []
    if not same_file:  # another file, kind or profile: the widgets start again from the assistant's proposals
        _forget_widgets(keep=(f"imp_profil_{file_key}",))
    choices = _choices(file_key, headers, kind)
    key = (file_key, choices.to_json(), prof)
    if same_file and previous[2] == key:
        return file_key, previous[1]
    with st.status(f"Lecture et vérification de « {markdown_text(fichier)} »…", expanded=False) as status:
        st.write("Lecture du fichier, recherche de l'en-tête et de la mise en page…")
        try:
            insp = assistant.inspect(con, data, fichier, kind, choices=choices if headers else None,
                                     profile=None if prof in (None, NO_PROFILE) else prof,
                                     use_profile=prof != NO_PROFILE, accept_suggestions=True, accept_fallback=False,
                                     accept_maison=False, keep=True, user=access.acting_user())
        except ImportRefused:
            status.update(label=f"« {markdown_text(fichier)} » refusé : rien n'a été enregistré", state="error")
            raise
        st.write(f"{nombre(len(insp.frame.table))} ligne(s) lues ; {nombre(insp.rows_ready)} ligne(s) vérifiées.")
        if insp.empty:
            status.update(label=f"« {markdown_text(fichier)} » lu : aucune ligne de données, rien à importer",
                          state="error")
        elif insp.refused:
            status.update(label=f"« {markdown_text(fichier)} » lu et vérifié : {nombre(insp.refused.total)} "
                                "problème(s) à corriger avant l'import", state="error")
        else:
            status.update(label=f"« {markdown_text(fichier)} » lu et vérifié", state="complete")
    resolved = insp.profile.nom if insp.profile else NO_PROFILE
    state["inspection"] = ((file_key, resolved), insp, key)
    return file_key, insp


def other_kind(insp) -> None:
    """A file that looks like another kind than the one chosen: say so, and offer that kind in one click."""
    other = insp.looks_like
    user = access.acting_user()
    if not other or (user and not roles.may_import_kind(user, other)):
        return
    st.warning(f"Ce fichier ressemble à un fichier « {KINDS[other].label} » plutôt qu'à un fichier "
               f"« {insp.kind.label} ».", icon=":material/swap_horiz:")
    st.button(f"Importer comme « {KINDS[other].label} »", key="imp_autre_type", on_click=_set_kind, args=(other,))


def _set_kind(kind: str) -> None:
    st.session_state["imp_kind"] = kind


def show_layout(insp) -> None:
    f = insp.frame
    st.markdown(f"**Mise en page détectée** : {markdown_text(assistant.layout.SHAPE_LABELS[f.shape])} ; "
                + " ".join(markdown_text(n) for n in f.notes))


def choose_profile(con, file_key: str, insp, kind: str) -> None:
    names = [p.nom for p in profiles.list_profiles(con, kind, access.acting_user())]
    if not names:
        return
    current = insp.profile.nom if insp.profile else NO_PROFILE
    options = [NO_PROFILE, *names]
    st.selectbox("Profil de source", options, index=options.index(current) if current in options else 0,
                 placeholder=CHOOSE,
                 key=f"imp_profil_{file_key}", help="Une correspondance enregistrée lors d'un import précédent.")
    if insp.profile:
        st.info(f"Profil de source « {markdown_text(insp.profile.nom)} » appliqué (mêmes en-têtes que lors de son "
                f"enregistrement) : {markdown_text(insp.profile.describe())}. Vérifiez la correspondance ci-dessous, "
                "puis importez.", icon=":material/bookmark:")


BADGES = {"sûr": ":green[**sûr**]", "probable": ":orange[**probable**]", "à défaut": ":orange[**à défaut**]",
          "choisi": ":blue[**choisi**]"}
ROW = [2.6, 3.6, 2.4]  # what the file holds | the project's side, to choose | how sure, and why
CHOSEN = "choisi sur cette page ou par le profil de source"


def _file_cell(name: str, detail: str) -> None:
    """A file's text in escaped HTML: never markup, nor a link."""
    st.html(f'<div class="imp-fichier">{html.escape(name)}<div class="imp-exemples">{html.escape(detail)}</div></div>')


def _why(certainty: str | None, reason: str) -> None:
    st.markdown(f"{BADGES.get(certainty, ':gray[**aucun**]')}  \n:gray[{markdown_text(reason)}]")


def column_mapping(file_key: str, insp) -> None:
    k = insp.kind
    labels = [c.label for c in k.columns]
    applied = {f: c for c, f in insp.mapping.items()}
    with st.expander(f"Correspondance des colonnes : {len(applied)} colonne(s) retenue(s) sur {len(insp.columns)}",
                     expanded=not insp.ready):
        st.caption("Pour chaque colonne du fichier (et quelques-unes de ses valeurs) : la colonne du projet retenue, "
                   "et la certitude de la proposition de l'assistant.")
        for i, m in enumerate(insp.columns):
            row = st.columns(ROW)
            current = applied.get(m.fichier)
            with row[0]:
                reading = insp.readings.get(current)
                _file_cell(m.fichier, ", ".join(m.exemples) + (f" — lue comme {reading}" if reading else ""))
            options = [IGNORE, *labels]
            row[1].selectbox(f"Colonne du projet pour « {m.fichier} »", options,
                             index=options.index(k.column(current).label) if current else 0,
                             key=f"imp_col_{file_key}_{i}", label_visibility="collapsed", placeholder=CHOOSE)
            with row[2]:
                if current != m.colonne:
                    _why("choisi", CHOSEN)
                else:
                    _why(m.certitude if m.colonne else None, m.raison if m.colonne else "aucune colonne ne correspond")


def value_mapping(con, file_key: str, insp) -> None:
    for col_name, matches in insp.values.items():
        if not matches:
            continue
        col = insp.kind.column(col_name)
        applied = insp.value_map.get(col_name, {})
        undecided = insp.undecided.get(col_name, [])
        if undecided and insp.profile:
            st.warning(f"{len(undecided)} valeur(s) de « {markdown_text(insp.mapping[col_name])} » absentes du profil : "
                       "vérifiez leur correspondance ci-dessous.", icon=":material/fiber_new:")
        with st.expander(f"Valeurs de « {markdown_text(insp.mapping[col_name])} » ({col.label}) : {len(matches)} valeur(s) à "
                         "faire correspondre", expanded=not insp.ready or bool(undecided)):
            codes = _codes(con, col)
            options = _code_options(col, codes)
            for i, v in enumerate(matches):
                row = st.columns(ROW)
                with row[0]:
                    _file_cell(v.valeur, f"{nombre(v.nombre)} ligne(s)")
                st.session_state[f"imp_valnom_{file_key}_{col_name}_{i}"] = v.valeur
                label = _code_label(codes, applied.get(v.valeur))
                opts = options if label in options else [TO_CHOOSE, *options]
                row[1].selectbox(f"Code pour « {v.valeur} »", opts, index=opts.index(label) if label in opts else 0,
                                 key=f"imp_val_{file_key}_{col_name}_{i}", label_visibility="collapsed",
                                 placeholder=CHOOSE)
                with row[2]:
                    chosen = applied.get(v.valeur)
                    if chosen and chosen != v.code:
                        _why("choisi", CHOSEN)
                    else:
                        _why(v.certitude, v.raison)


def maison_choice(con, file_key: str, insp) -> None:
    if not insp.needs_maison:
        return
    rows = assistant.maisons(con)
    options = [f"{i} — {n} — {where}" for i, n, where in rows]  # searchable by name, commune, département, id
    index = next((j for j, (i, _, _) in enumerate(rows) if i == insp.maison), None)
    st.selectbox("Ce fichier n'a pas de colonne Maison : de quelle Maison s'agit-il ?", options, index=index,
                 key=f"imp_maison_{file_key}", placeholder="Choisissez la Maison (nom, commune, département ou "
                 "identifiant)")
    proposal = insp.maison_proposal
    if proposal and not insp.maison:  # a proposal is never applied for the person: they choose it
        st.caption(f"Proposée d'après le fichier : {markdown_text(proposal.id_maison)} — "
                   f"{markdown_text(proposal.nom)} ({markdown_text(proposal.raison)}). Choisissez-la dans la liste "
                   "pour la confirmer.")


def misplaced(file_key: str, insp) -> None:
    """Coordinates out of their département (said in the warnings): kept, unless the person drops them."""
    if insp.misplaced or insp.drop_misplaced:
        st.checkbox(f"Retirer ces coordonnées ({nombre(insp.misplaced)} Maison(s) hors de leur département)",
                    key=f"imp_coord_{file_key}", help="Leur emplacement sera inconnu ; le reste de la ligne est chargé.")


def warnings(insp) -> None:
    for w in insp.warnings:
        st.warning(markdown_text(w), icon=":material/info:")


def problems(insp, fichier: str) -> None:
    refused = insp.problems()
    if insp.empty:  # one problem, said whole here: no group, no report to download
        st.error(f"Le fichier n'a aucune ligne de données sous son en-tête (ligne {insp.raw.header_row}) : "
                 "complétez-le ; rien n'a été enregistré.", icon=":material/error:")
        return
    st.error(f"**{nombre(refused.total)} problème(s)** : le fichier ne peut pas être importé tel quel. "
             "Corrigez la correspondance ci-dessus ou le fichier ; rien n'a été enregistré.", icon=":material/error:")
    for g in refused.groups():
        where = f"colonne « {markdown_text(g.colonne)} » : " if g.colonne else ""
        st.markdown(f"**{nombre(g.total)} ×** {where}{markdown_text(g.raison)}")
        shown = pd.DataFrame([{"Feuille": p.feuille or "", "Ligne": "" if p.ligne is None else str(p.ligne),
                               "Valeur": p.valeur or ""} for p in g.problems[:SHOWN_PER_GROUP]])
        if shown["Ligne"].any() or shown["Valeur"].any():
            st.dataframe(shown.drop(columns=["Feuille"] if not shown["Feuille"].any() else []), hide_index=True)
        if g.total > SHOWN_PER_GROUP:
            st.caption(f"… et {nombre(g.total - SHOWN_PER_GROUP)} autre(s) ligne(s) de ce type dans le rapport.")
    st.download_button("Télécharger la liste complète des problèmes (.xlsx)", problems_xlsx(refused),
                       file_name=f"problemes_{Path(fichier).stem}.xlsx", key=f"rapport_{insp.sha256[:12]}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")


def confirm(fichier: str, kind: str, file_key: str, insp, others: int = 0) -> None:
    if insp.already:
        a = insp.already
        st.info(f"Ces lignes sont déjà chargées : ce sont celles de l'import n°{a['import_id']} "
                f"(« {markdown_text(a['fichier'])} »). Rien à importer.", icon=":material/info:")
        return
    st.success(f"Prêt à importer : **{nombre(insp.rows_ready)} ligne(s)** ({len(insp.warnings)} avertissement(s)).",
               icon=":material/check_circle:")
    user = access.acting_user()
    # A profile of another région (or a national one, for a coordinator) applies as it is: the person may not save
    # over it, so nothing is proposed to save unless they ask for a profile of their own, under a name of its own.
    theirs = insp.profile is None or user is None or profiles.may_change(insp.profile, user)
    default_name = insp.profile.nom if insp.profile and theirs else f"{KINDS[kind].label} – {Path(fichier).stem}"
    for c in insp.conflicts:
        st.warning(markdown_text(c) + " : cochez « Remplacer » pour remplacer ces données.", icon=":material/swap_horiz:")
    replace = False
    if insp.version:
        version(file_key, insp.version)
    else:
        if insp.vague:
            wave(file_key, insp.vague)
        replace = st.checkbox("Remplacer les données déjà chargées pour les mêmes clés", key=f"imp_replace_{file_key}",
                              help="Les lignes remplacées restent dans l'historique et reviennent si l'import est annulé.")
    save = st.checkbox("Enregistrer cette correspondance comme profil de source", value=theirs, key=f"imp_save_{file_key}",
                       help="Le prochain fichier aux mêmes en-têtes s'importera en un clic.")
    name = st.text_input("Nom du profil", value=default_name, key=f"imp_nomprofil_{file_key}", disabled=not save)
    if st.button(f"Importer {nombre(insp.rows_ready)} ligne(s)", type="primary", key=f"imp_go_{file_key}",
                 icon=":material/upload:", disabled=bool(insp.conflicts) and not replace):
        run_import(fichier, insp, replace, name if save else None, others)


def version(file_key: str, v) -> None:
    """A registry is a version of the network: its date (as the file gives it, or as the person corrects it) and
    what it does to the network in force, said before confirming."""
    st.session_state.setdefault(f"imp_dateauto_{file_key}", v.date)
    st.date_input("Date de cette version du registre", value=v.date, format="DD/MM/YYYY", key=f"imp_date_{file_key}",
                  help="La date à laquelle la liste décrit le réseau. La plus récente fait le réseau en vigueur ; "
                       "une liste plus ancienne est gardée comme version passée.")
    (st.info if v.past else st.warning if v.fermes else st.success)(markdown_text(v.text()),
                                                                      icon=":material/history:")


def wave(file_key: str, found: tuple[str, str]) -> None:
    """Survey answers belong to a wave: the one found (how, said) or the one the person names."""
    label, how = found
    st.session_state.setdefault(f"imp_vagueauto_{file_key}", label)
    st.text_input("Vague d'enquête de ces réponses", value=label, key=f"imp_vague_{file_key}", max_chars=60,
                  help="Chaque chiffre d'enquête repose sur une seule vague ; les réponses d'une même enquête "
                       "envoyées par plusieurs régions forment une seule vague.")
    st.caption(f"Vague « {markdown_text(label)} » : {markdown_text(how)}.")


def run_import(fichier: str, insp, replace: bool, profile_name: str | None, others: int = 0) -> None:
    """The inspection shown, confirmed: its rows, already read and checked, are written as they were shown."""
    state = _state()
    with st.status(f"Import de « {markdown_text(fichier)} »…", expanded=True) as status:
        st.write("Écriture des lignes vérifiées…")
        try:
            with connection.writing() as writer:
                result = import_inspection(writer, insp, replace=replace, user=access.acting_user(),
                                           save_profile=profile_name)
        except (ImportRefused, StoreError) as exc:
            status.update(label="Import refusé : rien n'a été enregistré", state="error")
            st.error(markdown_lines(exc))
            return
        st.write(f"{nombre(result.lignes_chargees)} ligne(s) chargée(s).")
        status.update(label="Import terminé", state="complete")
    state["done"] = ("ok" if not result.already else "info", result.message(), insp.sha256)
    forget_file(keep_files=others > 0)


def _who() -> str:
    user = access.acting_user()
    return user.email if user else current_user()


def forget_inspection() -> None:
    """No file in the drop zone: nothing of a file stays in the session."""
    _state()["inspection"] = None


def forget_file(keep_files: bool = False) -> None:
    """Drop the uploaded bytes and the assistant's state: a new, empty drop zone (unless other files wait)."""
    state = _state()
    state["uploader"] += 0 if keep_files else 1
    state["inspection"] = None
    _forget_widgets()
    st.rerun()


def _forget_widgets(keep: tuple[str, ...] = ()) -> None:
    prefixes = ("imp_col_", "imp_val", "imp_maison_", "imp_profil_", "imp_save_", "imp_nomprofil_", "imp_replace_",
                "imp_coord_", "imp_date", "imp_vague")
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes) and k not in keep]:
        del st.session_state[key]


def assistant_for(con, upload_file, kind: str, others: int = 0) -> None:
    data = upload_file.getvalue()
    fichier = upload_file.name
    if len(data) > upload_limit():
        st.error(f"« {markdown_text(fichier)} » dépasse {upload_limit() // 2**20} Mo : découpez-le (par période, par Maison), "
                 "ou importez-le en ligne de commande (512 Mo au plus).")
        return
    try:
        file_key, insp = inspect_file(con, data, fichier, kind)
    except ImportRefused as exc:
        exc.fichier = exc.fichier or fichier
        journal.record_refusal(con, exc, kind, _who(), hashlib.sha256(data).hexdigest())
        st.error(markdown_lines(exc), icon=":material/error:")
        return
    show_layout(insp)
    other_kind(insp)
    choose_profile(con, file_key, insp, kind)
    column_mapping(file_key, insp)
    value_mapping(con, file_key, insp)
    maison_choice(con, file_key, insp)
    warnings(insp)
    misplaced(file_key, insp)
    if insp.ready:
        confirm(fichier, kind, file_key, insp, others)
    else:
        if insp.empty:  # nothing to import, whatever is chosen: a refusal
            journal_once(con, insp, kind)
        problems(insp, fichier)  # otherwise the assistant's questions, not a refusal: the journal keeps refusals


def journal_once(con, insp, kind: str) -> None:
    """A file that can never be imported goes to the journal of refusals once per session, not at every rerun. A
    file unreadable as a file is journaled where it is read (``assistant_for``), an import refused when it is
    confirmed by ``import_inspection``; the questions the assistant asks about a file are no refusal."""
    said = st.session_state.setdefault("_imp_journal", set())
    key = (insp.sha256, kind)
    if key not in said:
        said.add(key)
        journal.record_refusal(con, insp.problems(), kind, _who(), insp.sha256)


# --- History, refusals, profiles ---------------------------------------------------------

HISTORY_DETAIL = {"import_id": "N°", "lignes_lues": "Lignes lues", "avertissements": "Avertissements",
                  "profil": "Profil de source", "annule_par": "Annulé par"}


def _kind_label(r) -> str:
    """An import's kind, with, for the registry, the version it is and whether the network in force rests on it."""
    label = KINDS[r.kind].label
    if r.kind != "maisons" or r.statut != STATUT_CHARGE or pd.isna(r.date_version):
        return label
    return f"{label}, version du {r.date_version:%d/%m/%Y}" + ("" if r.en_vigueur else ", passée")


def history(con) -> None:
    df = store.list_imports(con)
    if df.empty:
        st.caption("Aucun import pour l'instant.")
        return
    df = df.sort_values("import_id", ascending=False)
    # Five columns that hold in 1,024 px beside the sidebar; the rest in the detail below.
    shown = pd.DataFrame({"N°": df["import_id"], "Fichier (type)": [f"{r.fichier} ({_kind_label(r)})"
                                                                   for r in df.itertuples()],
                          "Lignes": df["lignes_chargees"], "Le, par": [f"{d:%d/%m/%Y %H:%M}, {a}" for d, a in
                                                                       zip(df["date_import"], df["auteur"])],
                          "Statut": df["statut"]})
    config = {"N°": st.column_config.NumberColumn(width=40), "Fichier (type)": st.column_config.TextColumn(width=210),
              "Lignes": st.column_config.NumberColumn(width=64), "Le, par": st.column_config.TextColumn(width=160),
              "Statut": st.column_config.TextColumn(width=64)}  # 538 px: the grid's width at 1,024 px
    st.dataframe(blocks.french_table(shown), hide_index=True, width="stretch", column_config=config)
    with st.expander("Détail des imports (lignes lues, avertissements, profil, annulation)"):
        detail = df[list(HISTORY_DETAIL)].rename(columns=HISTORY_DETAIL)
        st.dataframe(blocks.french_table(detail.fillna("–")), hide_index=True, width="stretch")
    loaded = df[df["statut"] == STATUT_CHARGE].sort_values("import_id", ascending=False)
    if loaded.empty:
        return
    options = {int(r.import_id): f"n°{r.import_id} — {r.fichier} ({KINDS[r.kind].label}, {nombre(r.lignes_chargees)} "
               f"lignes)" for r in loaded.itertuples()}
    left, right = st.columns([3, 1])
    with left:
        chosen = st.selectbox("Annuler un import", list(options), format_func=options.get, key="imp_annuler",
                              index=None, placeholder="Choisissez l'import à annuler")
    with right:
        st.write("")
        if st.button("Annuler cet import…", key="imp_annuler_go", disabled=chosen is None):
            st.session_state["_imp_annuler_confirm"] = chosen
    pending = st.session_state.get("_imp_annuler_confirm")
    if pending is not None and pending in options:
        st.warning(f"Annuler l'import {markdown_text(options[pending])} ? Ses lignes seront retirées ; celles qu'il avait "
                   "remplacées reviendront.", icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button("Oui, annuler l'import", type="primary", key="imp_annuler_oui"):
            st.session_state.pop("_imp_annuler_confirm", None)
            try:
                with connection.writing() as writer:
                    message = rollback(writer, pending, user=access.acting_user())
                _state()["done"] = ("ok", message, None)
            except StoreError as exc:
                _state()["done"] = ("info", str(exc), None)
            st.rerun()
        if no.button("Non, garder", key="imp_annuler_non"):
            st.session_state.pop("_imp_annuler_confirm", None)
            st.rerun()


def _date(iso: str | None) -> str:
    """A journal date written as in the history: 28/11/2026 13:06."""
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return iso or ""


def refusals(con) -> None:
    entries = journal.refusals(con)
    if not entries:
        st.caption("Aucune tentative refusée.")
        return
    df = pd.DataFrame([{"Date": _date(e.get("date")), "Par": e.get("auteur"), "Fichier": e.get("fichier"),
                        "Type": KINDS[e["kind"]].label if e.get("kind") in KINDS else e.get("kind"),
                        "Problèmes": e.get("problemes"), "Premier problème": (e.get("detail") or [""])[0]}
                       for e in entries])
    st.dataframe(df, hide_index=True, width="stretch")


def profile_admin(con) -> None:
    found = profiles.list_profiles(con, user=access.acting_user())
    if not found:
        st.caption("Aucun profil de source : il s'en crée un à chaque import confirmé depuis cette page.")
        return
    st.dataframe(pd.DataFrame([{"Profil": p.nom, "Type": KINDS[p.kind].label, "Par": p.auteur,
                                "Régions": "national" if p.regions is None else ", ".join(p.regions),
                                "Créé le": f"{p.cree_le:%d/%m/%Y}", "Utilisé": p.utilisations,
                                "Colonnes": sum(1 for c in p.choices.colonnes.values() if c)} for p in found]),
                 hide_index=True, width="stretch")
    names = [p.nom for p in found]
    a, b, c = st.columns([2, 2, 1])
    with a:
        chosen = st.selectbox("Profil", names, key="imp_prof_choisi", placeholder=CHOOSE)
    with b:
        new = st.text_input("Nouveau nom", key="imp_prof_nouveau")
    with c:
        st.write("")
        rename = st.button("Renommer", key="imp_prof_renommer")
        delete = st.button("Supprimer", key="imp_prof_supprimer")
    try:
        if rename and new:
            with connection.writing() as writer:
                profiles.rename_profile(writer, chosen, new, user=access.acting_user())
            st.rerun()
        if delete:
            with connection.writing() as writer:
                profiles.delete_profile(writer, chosen, user=access.acting_user())
            st.rerun()
    except StoreError as exc:
        st.error(markdown_text(str(exc)))

