"""The "Exporter" page's blocks: the En bref pack for the current filters, and each of its pieces."""

from __future__ import annotations

import streamlit as st

from ..charts import common
from ..export import pack
from ..fmt import nombre
from . import connection, filters, text


MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "png": "image/png", "svg": "image/svg+xml", "txt": "text/plain", "zip": "application/zip"}


def _mime(name: str) -> str:
    return MIME.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def current_pack() -> pack.Pack | None:
    """The pack built in this session for these filters and this data, if any."""
    kept = st.session_state.get("_dossier")
    return kept[1] if kept and kept[0] == (filters.current(), connection.data_version()) else None


def prepare() -> None:
    f = filters.current()
    st.markdown(f"**Périmètre** — {text.html_text(common.perimetre(f))}  \n**Période** — "
                f"{text.html_text(connection.cached(common.periode, f))}")
    st.caption("Changez les filtres dans le panneau latéral : le dossier suit la vue en cours (la même adresse "
               "de page reproduit le même dossier).")
    if st.button("Préparer le dossier « En bref »", type="primary", key="preparer_dossier",
                 icon=":material/picture_as_pdf:"):
        with st.spinner("Mise en page de la note, des images et des tableaux…"):
            try:
                built = pack.build(connection.cursor(), f)
            except pack.EmptyPerimeter as e:
                st.info(str(e))
                return
        st.session_state["_dossier"] = ((f, connection.data_version()), built)


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
