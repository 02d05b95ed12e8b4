"""Streamlit glue: the store connection, cached queries, filters state, and chart blocks.

Only this module and the pages import Streamlit; everything they show comes
from ``msap_stats.charts``.
"""

from __future__ import annotations

import importlib
import logging
import os
import uuid

import html
from contextlib import contextmanager

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from . import store
from .charts import common, figures, theme
from .export import images
from .fmt import MOIS_COURTS, nombre
from .sheets import csv_bytes
from .indicators import FILTER_PARAMS, Filters

FILTER_KEYS = FILTER_PARAMS
# The pages' own settings, kept in the URL under their widget's key (see ``setting``).
PAGE_SETTINGS = ("ventilation", "zone", "indicateur_carte", "referentiel", "seuil_km")


# --- Store ---------------------------------------------------------------------------

LOG = logging.getLogger("msap_stats")
FAVICON = store.PROJECT_DIR / "msap_stats" / "static" / "favicon.png"


def error_panel(exc: Exception) -> None:
    """What a page shows when it fails: a French panel with a reference, never a traceback, paths or process ids
    (they go to the server's log under the same reference). ``MSAP_DEBUG=1`` lets the error through instead."""
    if os.environ.get("MSAP_DEBUG"):
        raise exc
    if isinstance(exc, store.StoreError):  # already said in French, with nothing technical
        LOG.warning("%s", exc)
        st.error(esc(str(exc)), icon=":material/database:")
        return
    reference = uuid.uuid4().hex[:8]
    LOG.error("Erreur de page, référence %s", reference, exc_info=exc)
    st.error(f"Cette page n'a pas pu être préparée ; rien n'a été modifié dans les données. Réessayez dans un "
             f"instant ; si l'erreur revient, signalez la référence **{reference}** à l'administrateur du tableau "
             "de bord (le détail est dans le journal du serveur).", icon=":material/error:")


def db_path() -> str:
    return str(store.default_db_path())


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(path: str, version: tuple | None):
    """One read-only connection per version of the store file, shared by the process; each script run works
    through its own cursor. A write (here or from the command line) swaps a new file in: the next run opens it,
    runs under way finish on the file they began with."""
    return store.reader(path, create=True)


def connection():
    path = db_path()
    return _connection(path, store.file_version(path))


def set_user(user) -> None:
    """The acting user of this run (``ui_access.current``), for the functions that write."""
    st.session_state["_utilisateur"] = user


def acting_user():
    return st.session_state.get("_utilisateur")


@contextmanager
def writing():
    """The store open for one write (an import, a rollback, a profile renamed): see ``store.writing``."""
    with store.writing(db_path()) as con:
        yield con


def begin_run() -> None:
    """Called first by dashboard.py on every script run: a new run number and a fresh cursor."""
    st.session_state["_run"] = st.session_state.get("_run", 0) + 1
    previous = st.session_state.pop("_curseur", None)
    if previous is not None:
        try:
            previous[1].close()
        except Exception:  # the connection was reset meanwhile
            pass


def cursor():
    """The cursor of this script run (the connection itself is shared by the whole process)."""
    run = st.session_state.get("_run", 0)
    current = st.session_state.get("_curseur")
    if current is None or current[0] != run:
        current = (run, store.reader_cursor(connection()))
        st.session_state["_curseur"] = current
    return current[1]


def reset_connection() -> None:
    """Forget this session's cursor and every cached result (before the store is rebuilt)."""
    st.session_state.pop("_curseur", None)
    st.cache_data.clear()


def data_version() -> str:
    """Changes whenever an import is loaded or rolled back: part of every cache key."""
    return store.data_version(cursor())


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, args: tuple, kwargs: tuple, version: str, path: str):
    module, fn_name = name.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), fn_name)
    return fn(cursor(), *args, **dict(kwargs))


def cached(fn, *args, **kwargs):
    """Call a ``charts``/``indicators`` function through the cache, keyed by its arguments and the data."""
    return _cached(f"{fn.__module__}.{fn.__name__}", args, tuple(sorted(kwargs.items())), data_version(), db_path())


def store_is_empty() -> bool:
    counts = cached(store.row_counts)
    return counts["maisons"] == 0


# --- Filters -----------------------------------------------------------------------

def month_label(ym: str) -> str:
    year, month = ym.split("-")
    return f"{MOIS_COURTS[int(month) - 1]} {year}"


def init_from_url(options: dict[str, list[str]], months: list[str]) -> None:
    """Seed the filter widgets from the URL once per session, so that a link reproduces a view."""
    if st.session_state.get("_filtres_lus"):
        return
    st.session_state["_filtres_lus"] = True
    params = st.query_params
    for attr, param in FILTER_KEYS.items():
        values = [v for v in params.get_all(param) if v in options[attr]]
        if values:
            st.session_state[f"f_{attr}"] = values


def url_period(months: list[str]) -> tuple[str, str]:
    """The period asked for by the URL (debut, fin), or all the months."""
    debut, fin = st.query_params.get("debut"), st.query_params.get("fin")
    return (debut if debut in months else months[0], fin if fin in months else months[-1])


def write_url(f: Filters, months: list[str]) -> None:
    wanted: dict[str, list[str] | str] = {param: list(getattr(f, attr)) for attr, param in FILTER_KEYS.items()
                                          if getattr(f, attr)}
    if f.debut and months and f.debut != months[0]:
        wanted["debut"] = f.debut
    if f.fin and months and f.fin != months[-1]:
        wanted["fin"] = f.fin
    current = {k: (st.query_params.get_all(k) if k in FILTER_KEYS.values() else st.query_params.get(k))
               for k in st.query_params}
    for k in PAGE_SETTINGS:  # the pages' settings stay in the URL
        if k in current:
            wanted[k] = current[k]
    if current != wanted:
        st.query_params.from_dict(wanted)


def setting(widget, label: str, options: list, key: str, default, **kwargs):
    """A page setting (breakdown, threshold, territory…) kept in the URL beside the filters.

    A link opened in a new browser seeds it (a value not among the options is ignored);
    a value other than the default is written back to the URL, under the widget's key.
    """
    assert key in PAGE_SETTINGS, key
    seeded = st.session_state.setdefault("_reglages_lus", set())
    if key not in seeded:
        seeded.add(key)
        asked = st.query_params.get(key)
        st.session_state[key] = next((o for o in options if str(o) == asked), default)
    value = widget(label, options, key=key, **kwargs)
    if value is not None and value != default:
        if st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)
    elif key in st.query_params:
        del st.query_params[key]
    return value


def set_filters(f: Filters) -> None:
    st.session_state["_filtres"] = f


def filters() -> Filters:
    return st.session_state.get("_filtres", Filters())


# --- Blocks -------------------------------------------------------------------------

CSS = """
<style>
.kf {border-left: 4px solid #000091; padding: 0.2rem 0 0.2rem 0.9rem; margin-bottom: 0.6rem;}
.kf-valeur {font-size: clamp(1.6rem, 2.6vw, 2.6rem); font-weight: 700; color: #000091; line-height: 1.1;
    overflow-wrap: anywhere;}
.kf-texte {font-size: 1.05rem; color: #161616;}
.kf-detail {font-size: 0.85rem; color: #666666;}
.graphique-titre {font-size: 1.1rem; font-weight: 700; color: #161616; margin-top: 0.6rem;}
.graphique-base {font-size: 0.8rem; color: #666666; margin-bottom: -0.4rem;}
.modebar-btn[data-title="Fullscreen"] {display: none;}
/* Below 1,280 px two charts side by side leave each too little room: one under the other. */
@media (max-width: 1280px) {
  [data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) {flex-wrap: wrap;}
  [data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) > [data-testid="stColumn"] {
    flex: 1 1 100%; min-width: 100%;}
}
/* On a phone a wide chart (heatmap) keeps a readable size and scrolls sideways. */
@media (max-width: 760px) {
  [class*="st-key-large_"] {overflow-x: auto;}
  [class*="st-key-large_"] > [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) {min-width: 720px;}
}
[data-testid="stFileUploaderDropzoneInstructions"] {display: none;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {
    content: "Choisir ou déposer des fichiers";}
.imp-fichier {line-height: 1.3;} .imp-exemples {color: #666666; font-size: 0.82rem; overflow-wrap: anywhere;}
/* Printing a page from the browser: no sidebar or toolbars, figures within the page, breaks between blocks. */
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stExpander"],
  [data-testid="stDownloadButton"], [data-testid="stPageLink"], [data-testid="stElementToolbar"],
  [data-testid="stStatusWidget"], .modebar-container {display: none !important;}
  [data-testid="stMain"], [data-testid="stAppViewContainer"] {margin-left: 0 !important; overflow: visible !important;}
  [data-testid="stMainBlockContainer"] {max-width: 100% !important; padding: 0 0.5cm !important;}
  [data-testid="stHorizontalBlock"] {flex-wrap: wrap !important;}
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {flex: 1 1 30% !important; min-width: 30% !important;}
  [data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) > [data-testid="stColumn"] {
    flex: 1 1 100% !important; min-width: 100% !important;}
  .kf, [data-testid="stElementContainer"], [class*="st-key-bloc_"], [class*="st-key-large_"] {break-inside: avoid;}
  [data-testid="stPlotlyChart"], .js-plotly-plot, .plot-container {height: auto !important;}
  .kf-valeur {font-size: 1.5rem !important;}
}
.demo {background: #FEECC2; color: #3B2400; border-left: 4px solid #B34000; padding: 0.5rem 0.9rem; margin-bottom: 1rem;}
</style>
"""


# Plotly draws its charts at the screen's width; before printing, each is made to scale to the page's width
# (a viewBox on its layers), and put back afterwards. A fixed script: no data of any file reaches it.
PRINT_SCRIPT = """<script>
if (!window.msapPrint) {
  window.msapPrint = true;
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll(".js-plotly-plot .svg-container").forEach(c => {
      const w = c.offsetWidth, h = c.offsetHeight;
      if (!w || !h) return;
      c.dataset.screen = c.getAttribute("style") || "";
      c.querySelectorAll("svg.main-svg").forEach(s => {
        s.setAttribute("viewBox", `0 0 ${w} ${h}`);
        s.setAttribute("preserveAspectRatio", "xMinYMin meet");
        s.style.width = "100%"; s.style.height = "100%";
      });
      c.style.width = "100%"; c.style.height = "auto"; c.style.aspectRatio = `${w} / ${h}`;
    });
  });
  window.addEventListener("afterprint", () => {
    document.querySelectorAll(".js-plotly-plot .svg-container").forEach(c => {
      if (c.dataset.screen === undefined) return;
      c.setAttribute("style", c.dataset.screen);
      delete c.dataset.screen;
      c.querySelectorAll("svg.main-svg").forEach(s => {
        s.removeAttribute("viewBox"); s.removeAttribute("preserveAspectRatio");
        s.style.width = ""; s.style.height = "";
      });
    });
  });
}
</script>"""


def style() -> None:
    st.html(CSS)
    st.html(PRINT_SCRIPT, unsafe_allow_javascript=True)


def demo_banner() -> None:
    st.html(f'<div class="demo" data-testid="bandeau-demo"><b>{common.DEMO_SOURCE}</b> : {common.DEMO_NOTICE}</div>')


def key_figure(k: common.KeyFigure) -> None:
    source = f" · Source : {k.source}" if k.source else ""  # file names: data, escaped like the rest
    st.html(f'<div class="kf"><div class="kf-valeur">{esc(k.valeur)}</div><div class="kf-texte">{esc(k.texte)}</div>'
            f'<div class="kf-detail">{esc(k.detail + source)}</div></div>')


def french_table(df: pd.DataFrame, decimals: int = 1):
    """A table to show, numbers written the French way whatever the browser's language.

    Complete number columns stay numbers (they sort as numbers) and only their display is
    French; a column with a missing number becomes text so that the gap reads "–", not
    "None". Years are written without a thousands separator. The CSV keeps the raw numbers.
    """
    out = df.copy()
    formats = {}
    for col in out.columns:
        numbers = out[col]
        if not pd.api.types.is_numeric_dtype(numbers) or pd.api.types.is_bool_dtype(numbers):
            continue
        places = decimals if (numbers.dropna() % 1 != 0).any() else 0
        write = (lambda v: "–" if pd.isna(v) else str(int(v))) if "nnée" in str(col) else \
            (lambda v, places=places: nombre(v, places))
        if numbers.isna().any():
            out[col] = numbers.map(write)
        else:
            formats[col] = write
    return out.style.format(formats)


def esc(text: str) -> str:
    """Text from the data (names, file names) shown as text in HTML, never as markup."""
    return html.escape(str(text), quote=False)



def chart(fn, *args, **kwargs):
    """A chart of ``charts``, its data table and its CSV; or the reason there is none."""
    result = cached(fn, filters(), *args, **kwargs)
    if isinstance(result, common.Absent):
        said = st.session_state.setdefault("_absences", {})
        run = st.session_state.get("_run", 0)  # one set of messages per script run
        if said.get(result.message) == run:
            st.caption("Pas de données pour ce graphique (voir le message ci-dessus).")
        else:
            said[result.message] = run
            st.info(result.message)
        return None
    key = result.key + "".join(f"_{a}" for a in args)
    # On screen the title and its base wrap as text above the chart; the figure keeps them for the images.
    screen = go.Figure(result.figure)
    screen.update_layout(title=None, margin=dict(t=20))
    config = {**theme.PLOTLY_CONFIG, "toImageButtonOptions": {**theme.PLOTLY_CONFIG["toImageButtonOptions"],
                                                               "filename": key}}
    with st.container(key=f"{'large' if result.large else 'bloc'}_{key}"):  # one block: printed on one page
        st.html(f'<div class="graphique-titre">{esc(result.titre)}</div>'
                f'<div class="graphique-base">{esc(result.footer)}</div>')
        st.plotly_chart(screen, config=config, width="stretch", theme=None, key=f"graphique_{key}")
    with st.expander("Voir les données et télécharger"):
        st.dataframe(french_table(result.donnees), hide_index=True, width="stretch")
        downloads(result, key)
    return result


def downloads(result: figures.Chart, key: str) -> None:
    """The chart's table (CSV) and its images with title, base and source (made when clicked)."""
    where = f"{common.perimetre(filters())} · {cached(common.periode, filters())}"
    left, middle, right = st.columns(3)
    left.download_button("Données (CSV)", csv_bytes(result.donnees), file_name=f"{key}.csv", mime="text/csv",
                         key=f"csv_{key}", on_click="ignore", icon=":material/table:")
    middle.download_button("Image (PNG)", lambda: images.png(result, where), file_name=f"{key}.png", mime="image/png",
                           key=f"png_{key}", on_click="ignore", icon=":material/image:")
    right.download_button("Image (SVG)", lambda: images.svg(result, where), file_name=f"{key}.svg", mime="image/svg+xml",
                          key=f"svg_{key}", on_click="ignore", icon=":material/image:")


def side_by_side(*charts) -> None:
    """Charts in columns; each is a view function, or a tuple (view function, its arguments)."""
    for column, item in zip(st.columns(len(charts)), charts):
        fn, *args = item if isinstance(item, tuple) else (item,)
        with column:
            chart(fn, *args)


def table(df: pd.DataFrame, key: str, file_name: str, search: bool = False, height: int | None = None) -> None:
    """A table with an optional search box and its CSV download."""
    shown = df
    if search:
        query = st.text_input("Rechercher (nom, département…)", key=f"recherche_{key}", placeholder="ex. Lozère")
        if query:
            mask = df.astype(str).apply(lambda col: col.str.contains(query, case=False, regex=False)).any(axis=1)
            shown = df[mask]
    st.dataframe(french_table(shown, decimals=2), hide_index=True, width="stretch", height=height or "auto")
    st.caption(f"{nombre(len(shown))} ligne(s)")
    st.download_button("Télécharger le tableau (CSV)", csv_bytes(shown), file_name=file_name, mime="text/csv",
                       key=f"csv_{key}")


def through_navigation() -> None:
    """Make sure the page runs inside dashboard.py's navigation (filters, banner).

    Streamlit treats a ``pages/`` folder next to the entry script as its older
    multipage mode until ``st.navigation`` has run once in the process: a first
    visit by a deep link (``/motifs?region=76``) would run the page alone. Turn
    that mode off and run again, through dashboard.py this time.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(title: str, question: str, figures: bool = True) -> None:
    """The page's title and question; on a page of figures, which chosen filters do not apply where."""
    through_navigation()
    st.title(title)
    st.markdown(f"*{question}*")
    for note in common.filter_notes(filters()) if figures else ():
        st.caption(note)


METHODOLOGY = store.PROJECT_DIR / "docs" / "methodologie.md"


def methodology() -> None:
    """The survey methodology, written once in docs/methodologie.md, in an expander of each survey page."""
    paragraphs = METHODOLOGY.read_text(encoding="utf-8").split("\n\n")
    with st.expander("Méthodologie : plan de sondage, intervalles, petits effectifs"):
        st.markdown("\n\n".join(p for p in paragraphs if p.startswith("**")))


def page_link(page: str, label: str) -> None:
    st.page_link(page, label=label, icon=":material/arrow_forward:")

