"""Tableau de bord d'évaluation des Maisons de services au public (streamlit run dashboard.py)."""

import runpy
from pathlib import Path

import streamlit as st

from msap_stats import store
from msap_stats.ui import access, blocks, connection, filters, style, warmup

# A local icon: a ":material/…" page icon is fetched from fonts.gstatic.com by every browser that opens the app.
st.set_page_config(page_title="Évaluation des MSAP", page_icon=str(style.FAVICON), layout="wide")

PAGES = [
    # The default page is served at "/" and reserves its own path without serving it: the path "vue-ensemble"
    # is answered by OVERVIEW_ALIAS below. A page's file is named as its path ("regards-croises.py"): before the
    # navigation below has run once in the process, Streamlit finds a page by its file's name (pages/ folder).
    st.Page("pages/vue-ensemble.py", title="Vue d'ensemble", icon=":material/dashboard:", url_path="accueil",
            default=True),
    st.Page("pages/motifs.py", title="Motifs de visite", icon=":material/help:", url_path="motifs"),
    st.Page("pages/satisfaction.py", title="Satisfaction des usagers", icon=":material/sentiment_satisfied:",
            url_path="satisfaction"),
    st.Page("pages/regards-croises.py", title="Regards croisés", icon=":material/groups:", url_path="regards-croises"),
    st.Page("pages/activite.py", title="Activité", icon=":material/bar_chart:", url_path="activite"),
    st.Page("pages/territoires.py", title="Territoires", icon=":material/map:", url_path="territoires"),
    st.Page("pages/reseau.py", title="Réseau et critères", icon=":material/rule:", url_path="reseau"),
    st.Page("pages/evolution.py", title="Évolution", icon=":material/trending_up:", url_path="evolution"),
]
IMPORT_PAGE = st.Page("pages/importer.py", title="Importer des données", icon=":material/upload_file:",
                      url_path="importer")
EXPORT_PAGE = st.Page("pages/exporter.py", title="Exporter (En bref)", icon=":material/picture_as_pdf:",
                      url_path="exporter")
ADMIN_PAGE = st.Page("pages/administration.py", title="Administration", icon=":material/admin_panel_settings:",
                     url_path="administration")


def _overview_at_its_own_path() -> None:
    """The default page answers at "/" and at its own name, so that a link to /vue-ensemble works too."""
    runpy.run_path(str(Path(__file__).parent / "pages" / "vue-ensemble.py"), run_name="__main__")


OVERVIEW_ALIAS = st.Page(_overview_at_its_own_path, title="Vue d'ensemble", url_path="vue-ensemble", visibility="hidden")


def main() -> None:
    connection.begin_run()
    style.style()
    user = access.current()
    if user is None:  # not logged in, or no role: one page, and no data
        st.navigation([st.Page(access.gate, title="Connexion", url_path="connexion", default=True)],
                      position="hidden").run()
        if access.login_configured():  # the figures of the first visits, ready for whoever logs in (none is shown)
            connection.warm_up(warmup.plan)
        st.stop()
    access.set_user(user)
    access.sidebar(user)
    writes = [IMPORT_PAGE] if user.role in ("coordinateur", "admin") else []
    if connection.store_is_empty():
        st.navigation([st.Page("pages/demarrer.py", title="Démarrer", icon=":material/rocket_launch:",
                               url_path="demarrer", default=True), *writes]).run()
        st.stop()

    # One flat list: Streamlit's sectioned navigation is not a valid list for screen readers (axe: list, listitem).
    page = st.navigation(PAGES + [EXPORT_PAGE, *writes, *([ADMIN_PAGE] if user.role == "admin" else []),
                                  OVERVIEW_ALIAS])

    filters.sidebar()  # the filters: one set, in the sidebar, kept across pages and in the URL
    if connection.cached(store.is_demo):
        blocks.demo_banner()

    page.run()
    connection.warm_up(warmup.plan)  # once this page is drawn, the others' first visits, in the background


try:
    main()
except Exception as exc:  # never a traceback on the page: a French panel, the detail in the server's log
    blocks.error_panel(exc)
finally:
    connection.end_run()
