"""The blocks pages are made of: a page's header, key figures, a chart with its table and downloads, tables, the
methodology, the demo banner, and the French panel shown when a page fails."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid

import pandas as pd
import streamlit as st

from .. import store
from ..charts import common, figures, theme
from ..export import images
from ..fmt import nombre
from ..sheets import csv_bytes
from . import connection, filters
from .style import static_text
from .text import html_text


LOG = logging.getLogger("msap_stats")


def error_panel(exc: Exception, failed: str = "Cette page n'a pas pu être préparée") -> None:
    """What a page (or a part of it: ``failed`` says which) shows when it fails: a French panel with a reference,
    never a traceback, paths or process ids (they go to the server's log under the same reference).
    ``MSAP_DEBUG=1`` lets the error through instead."""
    if os.environ.get("MSAP_DEBUG"):
        raise exc
    if isinstance(exc, store.StoreError):  # already said in French, with nothing technical
        LOG.warning("%s", exc)
        st.error(html_text(str(exc)), icon=":material/database:")
        return
    reference = uuid.uuid4().hex[:8]
    LOG.error("Erreur de page, référence %s", reference, exc_info=exc)
    st.error(f"{failed} ; rien n'a été modifié dans les données. Réessayez dans un "
             f"instant ; si l'erreur revient, signalez la référence **{reference}** à l'administrateur du tableau "
             "de bord (le détail est dans le journal du serveur).", icon=":material/error:")


def demo_banner() -> None:
    st.html(f'<div class="demo" data-testid="bandeau-demo"><b>{common.DEMO_SOURCE}</b> : {common.DEMO_NOTICE}</div>')


def key_figure(k: common.KeyFigure) -> None:
    source = f" · Source : {k.source}" if k.source else ""  # file names: data, escaped like the rest
    st.html(f'<div class="kf"><div class="kf-valeur">{html_text(k.valeur)}</div><div class="kf-texte">{html_text(k.texte)}</div>'
            f'<div class="kf-detail">{html_text(k.detail + source)}</div></div>')


def load_table_modules() -> None:
    """What a process's first table shown on a page loads (``table``: the pandas Styler of ``french_table``, with
    jinja2 and its templates, and the CSV writer of ``csv_bytes``): a fifth of a second of that first visit on this
    machine, for the warm-up to load before."""
    import pandas.io.formats.csvs  # noqa: F401
    import pandas.io.formats.style  # noqa: F401


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


TEXT_PX, TEXT_MAX_PX = 7.5, 420  # a text column as wide as its longest cell (about 7.5 px a character), up to this


def whole_cells(df: pd.DataFrame) -> dict:
    """Column widths that show each text cell whole (« Fixe avec antenne(s) », not « Fixe avec an… »); wider ones
    wrap the table sideways rather than cut."""
    out = {}
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_datetime64_any_dtype(df[col]):
            longest = max([len(str(col)), *(len(str(v)) for v in df[col].dropna())], default=0)
            out[col] = st.column_config.Column(width=int(min(TEXT_MAX_PX, 16 + TEXT_PX * longest)))
    return out


DETAILS = "donnees_"  # the key of a chart's « Voir les données et télécharger », before the chart's own


def guarded(body, failed: str = "Cette partie de la page n'a pas pu être préparée") -> None:
    """``body()`` run, or the French panel in its place if it fails (the page's own guard does not hold a fragment
    run alone)."""
    try:
        body()
    except Exception as exc:  # noqa: BLE001 — said in French, the detail in the server's log
        error_panel(exc, failed)


def chart(fn, *args, **kwargs):
    """A chart of ``charts``, its data table and its CSV; or the reason there is none; or, should it fail, a French
    panel in its place, the page's other charts drawn."""
    try:
        result = connection.cached(fn, filters.current(), *args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        error_panel(exc, "Ce graphique n'a pas pu être préparé")
        return None
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
    screen = result.untitled(top=20)
    config = {**theme.PLOTLY_CONFIG, "toImageButtonOptions": {**theme.PLOTLY_CONFIG["toImageButtonOptions"],
                                                               "filename": key}}
    with st.container(key=f"{'large' if result.large else 'bloc'}_{key}"):  # one block: printed on one page
        st.html(f'<div class="graphique-titre">{html_text(result.titre)}</div>'
                f'<div class="graphique-base">{html_text(result.footer)}</div>')
        st.plotly_chart(screen, config=config, width="stretch", theme=None, key=f"graphique_{key}")
    # The table, its downloads and its citation are made when the reader opens them (a rerun), not for every chart
    # of every run: a page draws its charts, not seven tables hidden under them.
    details = st.expander("Voir les données et télécharger", key=f"{DETAILS}{key}", on_change="rerun")
    if details.open:
        with details:
            st.dataframe(french_table(result.donnees), hide_index=True, width="stretch",
                         column_config=whole_cells(result.donnees))
            downloads(result, key)
            cite(common.chart_citation(connection.cursor(), filters.current(), result, filters.view_link()))
    return result


def cite(text: str) -> None:
    """A citation, with the copy button of its frame."""
    st.caption("Copier la citation (bouton en haut à droite du cadre) :")
    st.code(text, language=None, wrap_lines=True)


def key_figures_citations(figures: list[common.KeyFigure]) -> None:
    """The key figures' citations, made when the reader opens them (as a chart's details)."""
    details = st.expander("Copier la citation d'un chiffre clé", key=f"{DETAILS}chiffres_cles", on_change="rerun")
    if details.open:
        with details:
            link = filters.view_link()
            for k in figures:
                if k.valeur != "–":
                    cite(common.key_figure_citation(connection.cursor(), filters.current(), k, link))


def downloads(result: figures.Chart, key: str) -> None:
    """The chart's table (CSV) and its images with title, base and source (made when clicked)."""
    where = f"{common.perimetre(filters.current())} · {connection.cached(common.periode, filters.current())}"
    left, middle, right = st.columns(3)
    left.download_button("Données (CSV)", csv_bytes(result.donnees), file_name=f"{key}.csv", mime="text/csv",
                         key=f"csv_{key}", on_click="ignore", icon=":material/table:")
    middle.download_button("Image (PNG)", lambda: images.png(result, where), file_name=f"{key}.png", mime="image/png",
                           key=f"png_{key}", on_click="ignore", icon=":material/image:")
    right.download_button("Image (SVG)", lambda: images.svg(result, where), file_name=f"{key}.svg", mime="image/svg+xml",
                          key=f"svg_{key}", on_click="ignore", icon=":material/image:")


def fragment(body) -> None:
    """Run ``body`` (a chart and its settings) as a fragment of the page: a setting it holds reruns it alone, not
    the page. Run alone, its messages are said again (what it said before is redrawn with it)."""
    seen = f"_fragment_{body.__qualname__}"

    def run() -> None:
        number = st.session_state.get("_run", 0)
        if st.session_state.get(seen) == number:  # run alone (a whole run of the page counts a new number)
            st.session_state["_absences"] = {}
        st.session_state[seen] = number
        guarded(body)

    run.__qualname__ = f"fragment.{body.__qualname__}"
    st.fragment(run)()


# What says when a part drawn later (``when_shown``) is seen: a script with no element of its own. Fixed code: no
# data reaches it but a hash of the filters, a class name and a delay.
_LATER = st.components.v2.component("msap_plus_tard", js=static_text("plus_tard.js"), isolate_styles=False)
LATER_DELAY_MS = 1200  # the reader still for this long (no key, click, wheel or touch): the part is drawn without a scroll


def when_shown(name: str, body, height: int, on_screen_first: bool = False) -> None:
    """``body`` (charts off the screen) drawn when its place comes on screen, or once the page has been still for a
    moment: a filter change draws what is on screen first, and only that. It runs as a fragment of the page, so that
    being seen reruns it alone; until then its place keeps ``height`` pixels before the part was ever drawn, then
    as many as it had on this screen (``plus_tard.js``), a line of text at its top. Drawn once for a view (the filters),
    it is drawn with the page at the next runs of the same view; on screen when a view changes (as the browser last
    said; ``on_screen_first``: before it has said anything, the top of a page just opened), with the page too."""
    @st.fragment
    def part() -> None:
        key = f"plus_tard_{name}"
        view = hashlib.sha256(repr(filters.current()).encode()).hexdigest()[:16]
        told = (st.session_state.get(key) or {}).get("etat") or {"ecran": on_screen_first}
        on_screen = bool(told.get("ecran"))
        drawn = on_screen or told.get("vu") == view
        # The part's place keeps its height until the whole part has come (its end mark; style.css), the waiting
        # line laid over it: the page neither shrinks nor grows under a reader while a run swaps the one for the
        # other. Before the part was ever measured on this screen: ``height``.
        st.html(f"<style>.st-key-place_{key} {{--hauteur-attendue: {int(height)}px;}}</style>")
        with st.container(key=f"place_{key}"):
            _LATER(key=key, data={"cle": view, "dessine": drawn, "ecran": on_screen, "bloc": f"st-key-place_{key}",
                                  "delai": LATER_DELAY_MS}, on_etat_change=lambda: None)
            st.html('<div class="plus-tard" tabindex="0"><span>Graphiques suivants : ils se dessinent quand ils '
                    "apparaissent à l'écran…</span></div>")  # a stop of the Tab key while it waits (plus_tard.js)
            if drawn:
                guarded(body)
                st.html('<span class="plus-tard-fin"></span>')  # drawn, or said why not: the line never stays

    part()


def side_by_side(*charts) -> None:
    """Charts in columns; each is a view function, or a tuple (view function, its arguments)."""
    for column, item in zip(st.columns(len(charts)), charts):
        fn, *args = item if isinstance(item, tuple) else (item,)
        with column:
            chart(fn, *args)


def table(df: pd.DataFrame, key: str, file_name: str, search: bool = False, height: int | None = None,
          folded: str | None = None) -> None:
    """A table with an optional search box and its CSV download; ``folded``: under that title, made when the reader
    opens it (a long table below a page's charts: a thousand rows sent and drawn at every run for nobody)."""
    if folded:
        box = st.expander(folded, key=f"{DETAILS}{key}", on_change="rerun")
        if box.open:
            with box:
                table(df, key, file_name, search, height)
        return
    shown = df
    if search:
        query = st.text_input("Rechercher (nom, département…)", key=f"recherche_{key}", placeholder="ex. Lozère")
        if query:
            mask = df.astype(str).apply(lambda col: col.str.contains(query, case=False, regex=False)).any(axis=1)
            shown = df[mask]
    st.dataframe(french_table(shown, decimals=2), hide_index=True, width="stretch", height=height or "auto",
                 column_config=whole_cells(shown))
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
    for note in connection.cached(common.filter_notes, filters.current()) if figures else ():
        st.caption(note)


METHODOLOGY = store.PROJECT_DIR / "docs" / "methodologie.md"


def methodology() -> None:
    """The survey methodology, written once in docs/methodologie.md, in an expander of each survey page."""
    paragraphs = METHODOLOGY.read_text(encoding="utf-8").split("\n\n")
    with st.expander("Méthodologie : plan de sondage, intervalles, petits effectifs"):
        st.markdown("\n\n".join(p for p in paragraphs if p.startswith("**")))


def page_link(page: str, label: str) -> None:
    st.page_link(page, label=label, icon=":material/arrow_forward:")
