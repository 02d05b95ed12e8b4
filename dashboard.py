"""Tableau de bord d'évaluation des Maisons de services au public (streamlit run dashboard.py)."""

import runpy
from pathlib import Path

import streamlit as st

from msap_stats import indicators, reference, schema, store, ui, ui_access
from msap_stats.indicators import Filters

# A local icon: a ":material/…" page icon is fetched from fonts.gstatic.com by every browser that opens the app.
st.set_page_config(page_title="Évaluation des MSAP", page_icon=str(ui.FAVICON), layout="wide")

PAGES = [
    # The default page is served at "/" and reserves its own path without serving it: the path "vue-ensemble"
    # is answered by OVERVIEW_ALIAS below.
    st.Page("pages/vue_ensemble.py", title="Vue d'ensemble", icon=":material/dashboard:", url_path="accueil",
            default=True),
    st.Page("pages/motifs.py", title="Motifs de visite", icon=":material/help:", url_path="motifs"),
    st.Page("pages/satisfaction.py", title="Satisfaction des usagers", icon=":material/sentiment_satisfied:",
            url_path="satisfaction"),
    st.Page("pages/regards_croises.py", title="Regards croisés", icon=":material/groups:", url_path="regards-croises"),
    st.Page("pages/activite.py", title="Activité", icon=":material/bar_chart:", url_path="activite"),
    st.Page("pages/territoires.py", title="Territoires", icon=":material/map:", url_path="territoires"),
    st.Page("pages/reseau.py", title="Réseau et critères", icon=":material/rule:", url_path="reseau"),
]
IMPORT_PAGE = st.Page("pages/importer.py", title="Importer des données", icon=":material/upload_file:",
                      url_path="importer")
EXPORT_PAGE = st.Page("pages/exporter.py", title="Exporter (En bref)", icon=":material/picture_as_pdf:",
                      url_path="exporter")
ADMIN_PAGE = st.Page("pages/administration.py", title="Administration", icon=":material/admin_panel_settings:",
                     url_path="administration")


def _overview_at_its_own_path() -> None:
    """The default page answers at "/" and at its own name, so that a link to /vue-ensemble works too."""
    runpy.run_path(str(Path(__file__).parent / "pages" / "vue_ensemble.py"), run_name="__main__")


OVERVIEW_ALIAS = st.Page(_overview_at_its_own_path, title="Vue d'ensemble", url_path="vue-ensemble", visibility="hidden")

def main() -> None:
    ui.begin_run()
    ui.style()
    user = ui_access.current()
    if user is None:  # not logged in, or no role: one page, and no data
        st.navigation([st.Page(ui_access.gate, title="Connexion", url_path="connexion", default=True)],
                      position="hidden").run()
        st.stop()
    ui.set_user(user)
    ui_access.sidebar(user)
    writes = [IMPORT_PAGE] if user.role in ("coordinateur", "admin") else []
    if ui.store_is_empty():
        st.navigation([st.Page("pages/demarrer.py", title="Démarrer", icon=":material/rocket_launch:",
                               url_path="demarrer", default=True), *writes]).run()
        st.stop()

    # One flat list: Streamlit's sectioned navigation is not a valid list for screen readers (axe: list, listitem).
    page = st.navigation(PAGES + [EXPORT_PAGE, *writes, *([ADMIN_PAGE] if user.role == "admin" else []),
                                  OVERVIEW_ALIAS])

    # --- The filters: one set, in the sidebar, kept across pages and in the URL -------------
    deps = reference.departements()
    regions = reference.regions()
    region_names = dict(zip(regions["code_region"], regions["region"]))
    dep_names = dict(zip(deps["code_departement"], deps["departement"]))
    months = ui.cached(indicators.activity_months)
    format_labels = schema.labels(schema.FORMATS)
    porteur_labels = schema.labels(schema.PORTEURS)
    present = ui.cached(indicators.maisons_summary, Filters())["par_departement"]
    options = {
        "regions": [r for r in region_names if deps.loc[deps["code_region"] == r, "code_departement"].isin(present).any()],
        "departements": [d for d in dep_names if d in present],
        "formats": list(format_labels),
        "porteurs": list(porteur_labels),
    }
    ui.init_from_url(options, months)

    with st.sidebar:
        st.header("Filtres")
        chosen_regions = st.multiselect("Région", options["regions"], format_func=region_names.get, key="f_regions",
                                        placeholder="Toutes les régions")
        region_of = dict(zip(deps["code_departement"], deps["code_region"]))
        dep_choices = [d for d in options["departements"] if not chosen_regions or region_of[d] in chosen_regions]
        if "f_departements" in st.session_state:  # keep only départements of the chosen régions
            st.session_state["f_departements"] = [d for d in st.session_state["f_departements"] if d in dep_choices]
        chosen_deps = st.multiselect("Département", dep_choices, format_func=lambda d: f"{dep_names[d]} ({d})",
                                     key="f_departements", placeholder="Tous les départements")
        if len(months) > 1:
            periode = st.select_slider("Période", options=months, value=ui.url_period(months), format_func=ui.month_label,
                                       key="f_periode")
            debut, fin = periode if isinstance(periode, (tuple, list)) else (periode, periode)
        else:
            debut = fin = None
            st.caption("Période : aucune donnée datée à filtrer.")
        chosen_formats = st.multiselect("Format de Maison", options["formats"], format_func=format_labels.get,
                                        key="f_formats", placeholder="Tous les formats")
        chosen_porteurs = st.multiselect("Structure porteuse", options["porteurs"], format_func=porteur_labels.get,
                                         key="f_porteurs", placeholder="Toutes les structures")
        st.caption("Les filtres s'appliquent à toutes les pages et figurent dans l'adresse de la page : "
                   "copiez-la pour partager cette vue.")

    f = Filters(regions=tuple(chosen_regions), departements=tuple(chosen_deps),
                debut=debut if months and debut != months[0] else None,
                fin=fin if months and fin != months[-1] else None,
                formats=tuple(chosen_formats), porteurs=tuple(chosen_porteurs))
    ui.set_filters(f)
    ui.write_url(f, months)

    if ui.cached(store.is_demo):
        ui.demo_banner()

    page.run()


try:
    main()
except Exception as exc:  # never a traceback on the page: a French panel, the detail in the server's log
    ui.error_panel(exc)
