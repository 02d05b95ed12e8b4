"""Every page through Streamlit's AppTest, on a store built from the demo and on the real registry."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd

import plotly.io as pio
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from msap_stats import charts, indicators, store
from msap_stats.fmt import nombre, pct
from msap_stats.indicators import Filters
from msap_stats.ui import blocks, style
from tests.conftest import CONTOURS, ROOT

# Each page and the first chart it shows (with the arguments of its default view).
PAGES = {
    "pages/motifs.py": (charts.motifs.motifs_usagers,),
    "pages/satisfaction.py": (charts.satisfaction.satisfaction_accueil, "tranche_age"),
    "pages/regards-croises.py": (charts.regards.impacts_compares,),
    "pages/activite.py": (charts.activite.demandes_par_mois,),
    "pages/territoires.py": (charts.territoires.carte_maisons, "metropole"),
    "pages/reseau.py": (charts.reseau.conformite, 5.0),
}
MIN_CHARTS = {"pages/motifs.py": 7, "pages/satisfaction.py": 4, "pages/regards-croises.py": 5,
              "pages/activite.py": 7, "pages/territoires.py": 2, "pages/reseau.py": 4}


def app(db, monkeypatch, **query) -> AppTest:
    # A real server leaves Streamlit's old "pages/ folder" mode once dashboard.py has called
    # st.navigation; AppTest re-enters it before every run. Keep it off, as in production.
    init = PagesManager.__init__

    def init_like_a_server(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_like_a_server)
    monkeypatch.setenv("MSAP_DB", str(db))
    monkeypatch.setenv("MSAP_CONTOURS", str(CONTOURS))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def open_details(at) -> AppTest:
    """Every chart's « Voir les données et télécharger » opened, as a reader opens them."""
    for key in at.session_state.keys():
        if str(key).startswith(blocks.DETAILS):
            at.session_state[key] = True
    return at.run()


def later_parts(at) -> dict[str, dict]:
    """The parts drawn later (``blocks.when_shown``) of the page last run: their key, and what their script got."""
    import json

    return {part.proto.id.rsplit("-", 1)[-1]: json.loads(part.proto.json) for part in at.get("bidi_component")
            if part.proto.component_name == "msap_plus_tard"}


def tell(at, name: str, on_screen: bool, seen: str | None = None) -> None:
    """What the browser's script says of a part drawn later: seen in the view it was mounted for (or ``seen``), and
    whether it is on the screen."""
    key = f"plus_tard_{name}"
    at.session_state[key] = {"etat": {"vu": seen or later_parts(at)[key]["cle"], "ecran": on_screen}}


def come_into_view(at) -> AppTest:
    """What the browser does for each part drawn later once it is near the screen: it says it seen, on screen, for
    the view it was mounted for; the part's fragment runs again."""
    for key in later_parts(at):
        tell(at, key.removeprefix("plus_tard_"), True)
    return at.run()


def htmls(at) -> str:
    return "\n".join(h.value for h in at.html)


def chart_titles(at) -> list[str]:
    return [h.value.split('<div class="graphique-titre">')[1].split("</div>")[0] for h in at.html
            if 'class="graphique-titre"' in h.value]


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def demo_app_db(demo_db, tmp_path):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    return path


def expected(db, fn, f: Filters, *args):
    """The figures computed directly on the demo store (the app runs on a copy of it)."""
    con = store.connect(db, read_only=True)
    try:
        return fn(con, f, *args)
    finally:
        con.close()


def _page_titles() -> set[str]:
    """The pages' titles as the navigation names them (dashboard.py's st.Page calls)."""
    import ast

    tree = ast.parse((ROOT / "dashboard.py").read_text("utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "Page"]
    return {k.value.value for c in calls for k in c.keywords if k.arg == "title"}


def test_overview_key_figures_and_filter(demo_db, demo_app_db, monkeypatch):
    at = app(demo_app_db, monkeypatch)
    ok(at)
    whole = expected(demo_db, indicators.all_indicators, Filters())
    text = htmls(at)
    assert "Données de démonstration" in text
    assert f'<div class="kf-valeur">{nombre(whole["maisons"]["total"])}</div>' in text
    assert f'<div class="kf-valeur">{pct(whole["usagers"]["motifs"]["aide_dossier"]["pct"])}</div>' in text
    assert "des usagers viennent pour être accompagnés dans la constitution d'un dossier" in text
    assert len(at.get("plotly_chart")) == 2  # the first row; the two below when they come near the screen
    come_into_view(at)
    assert len(at.get("plotly_chart")) == 6
    titles = _page_titles()
    links = [e.proto.label for e in at.get("page_link")]
    named = [link.split("« ")[1].rstrip(" »") for link in links if link.startswith("Voir la page « ")]
    assert len(named) == 6 and set(named) <= titles, (named, titles)  # each link says the page's own name
    assert len(at.dataframe) == 0  # a chart's table, downloads and citation are made when the reader opens them
    open_details(at)
    ok(at)
    assert len(at.dataframe) == 6 and len(at.get("download_button")) == 3 * 6
    cited = [c.value for c in at.code]  # « Copier la citation »: key figures and each chart's table
    assert any(c.startswith(f'{nombre(whole["maisons"]["total"])} Maisons') for c in cited)
    assert sum("Périmètre : France entière" in c for c in cited) >= 6 + 4, cited[:3]

    at.multiselect(key="f_regions").set_value(["53"]).run()
    ok(at)
    bretagne = expected(demo_db, indicators.all_indicators, Filters(regions=("53",)))
    text = htmls(at)
    assert bretagne["maisons"]["total"] != whole["maisons"]["total"]
    assert f'<div class="kf-valeur">{nombre(bretagne["maisons"]["total"])}</div>' in text
    assert f'<div class="kf-valeur">{nombre(bretagne["activite"]["demandes"])}</div>' in text
    assert at.query_params["region"] == "53"


def test_the_overview_draws_what_the_reader_looks_at_first_and_for_the_view_on_screen(demo_db, demo_app_db,
                                                                                     monkeypatch):
    """The overview opens with its first row of charts; the two rows below are neither computed nor sent until the
    browser says they are near the screen, and then hold the figures of the filters on screen. Seen for one view,
    they come with the page while it stays. A new view draws at once the part on screen (as the browser last said),
    and only it: at the top, the first row; scrolled down, the lower rows, the first row waiting off the screen."""
    from msap_stats.ui.warmup import OVERVIEW_THEMES

    def charts(f: Filters, themes) -> list:
        return [expected(demo_db, view, f) for view, _, _ in themes]

    def sent(charts_sent) -> list[list[float]]:
        return [numbers(pio.from_json(c.proto.spec)) for c in charts_sent]

    def drawn_as(f: Filters, themes) -> None:
        want = charts(f, themes)
        assert chart_titles(at) == [c.titre for c in want]
        assert sent(at.get("plotly_chart")) == [pytest.approx(numbers(c.figure)) for c in want]

    top, lower = OVERVIEW_THEMES[:2], OVERVIEW_THEMES[2:]
    at = app(demo_app_db, monkeypatch)
    ok(at)
    parts = later_parts(at)
    assert parts["plus_tard_vue_ensemble_haut"]["dessine"] and not parts["plus_tard_vue_ensemble"]["dessine"]
    drawn_as(Filters(), top)
    come_into_view(at)
    ok(at)
    drawn_as(Filters(), OVERVIEW_THEMES)
    assert len(at.run().get("plotly_chart")) == 6  # the same view run again (another click): with the page

    tell(at, "vue_ensemble", on_screen=False)  # the reader back at the top
    at.multiselect(key="f_regions").set_value(["53"]).run()
    ok(at)
    drawn_as(Filters(regions=("53",)), top)  # a new view: the first row with the page, the lower rows wait
    come_into_view(at)
    drawn_as(Filters(regions=("53",)), OVERVIEW_THEMES)
    assert sent(at.get("plotly_chart")[2:]) != [pytest.approx(numbers(c.figure)) for c in charts(Filters(), lower)]

    tell(at, "vue_ensemble_haut", on_screen=False)  # the reader scrolled down to the lower rows
    at.multiselect(key="f_regions").set_value(["76"]).run()
    ok(at)
    drawn_as(Filters(regions=("76",)), lower)  # the lower rows with the page; the first row, off the screen, waits
    assert not later_parts(at)["plus_tard_vue_ensemble_haut"]["dessine"]
    tell(at, "vue_ensemble_haut", on_screen=False)  # the page left still: the first row seen, still off the screen
    at.run()
    drawn_as(Filters(regions=("76",)), OVERVIEW_THEMES)

    tell(at, "vue_ensemble", on_screen=False, seen="0" * 16)  # seen for a view not on screen, and off it: waits
    assert chart_titles(at.run()) == [c.titre for c in charts(Filters(regions=("76",)), top)]


@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_shows_its_figures_and_follows_the_filters(demo_db, demo_app_db, monkeypatch, page):
    at = app(demo_app_db, monkeypatch)
    at.switch_page(page).run()
    ok(at)
    assert len(at.get("plotly_chart")) >= MIN_CHARTS[page]
    first, *args = PAGES[page]
    before = expected(demo_db, first, Filters(), *args)
    assert before.titre in chart_titles(at)

    at.multiselect(key="f_departements").set_value(["48"]).run()
    ok(at)
    after = expected(demo_db, first, Filters(departements=("48",)), *args)
    assert after.titre != before.titre or not after.donnees.equals(before.donnees)
    assert after.titre in chart_titles(at)
    # The chart sent to the browser holds exactly the numbers of the filtered view.
    sent = pio.from_json(at.get("plotly_chart")[0].proto.spec)
    assert numbers(sent) == pytest.approx(numbers(after.figure))


def numbers(fig) -> list[float]:
    """Every number a figure plots on its axes (plotly sends numeric arrays as base64 typed arrays)."""
    out = []
    for trace in fig.data:
        for axis in (trace.x, trace.y):
            if isinstance(axis, dict) and "bdata" in axis:
                axis = np.frombuffer(base64.b64decode(axis["bdata"]), dtype=np.dtype(axis["dtype"])).tolist()
            out += [float(v) for v in (axis if axis is not None else []) if isinstance(v, (int, float, np.number))
                    and not isinstance(v, bool) and v == v]
    return out


def test_the_ranking_of_every_maison_is_made_when_opened(demo_db, demo_app_db, monkeypatch):
    """A thousand rows below the activity's charts: sent to the browser only once the reader opens them."""
    at = app(demo_app_db, monkeypatch)
    at.switch_page("pages/activite.py").run()
    ok(at)
    assert len(at.dataframe) == 0 and not any(t.key == "recherche_classement" for t in at.text_input)
    at.session_state[f"{blocks.DETAILS}classement"] = True
    at.run()
    ok(at)
    (frame,) = [d.value for d in at.dataframe if "Rang" in d.value.columns]
    per_maison = expected(demo_db, indicators.activity_per_maison, Filters())
    assert len(frame) == len(per_maison) > 1000 and frame["Demandes"].sum() == per_maison["demandes"].sum()
    at.text_input(key="recherche_classement").set_value("Lozère").run()
    ok(at)
    (found,) = [d.value for d in at.dataframe if "Rang" in d.value.columns]
    assert 0 < len(found) < len(frame) and found["Département"].str.contains("Lozère").all()


def test_a_link_reproduces_the_view(demo_db, demo_app_db, monkeypatch):
    at = app(demo_app_db, monkeypatch, region="76", debut="2016-07", fin="2016-09", format="fixe")
    ok(at)
    assert at.multiselect(key="f_regions").value == ["76"]
    assert at.multiselect(key="f_formats").value == ["fixe"]
    assert at.select_slider(key="f_periode").value == ("2016-07", "2016-09")
    f = Filters(regions=("76",), debut="2016-07", fin="2016-09", formats=("fixe",))
    demandes = expected(demo_db, indicators.activity_total, f)
    assert f'<div class="kf-valeur">{nombre(demandes)}</div>' in htmls(at)
    # The filters persist when the user moves to another page.
    at.switch_page("pages/activite.py").run()
    ok(at)
    assert at.multiselect(key="f_regions").value == ["76"]
    assert expected(demo_db, charts.activite.demandes_par_mois, f).titre in chart_titles(at)


def test_satisfaction_breakdown(demo_db, demo_app_db, monkeypatch):
    at = app(demo_app_db, monkeypatch)
    at.switch_page("pages/satisfaction.py").run()
    at.segmented_control(key="ventilation").set_value("sexe").run()
    ok(at)
    chart = expected(demo_db, charts.satisfaction.tres_satisfaits_par, Filters(), "sexe")
    assert chart.titre in chart_titles(at)
    assert {"Femme", "Homme"} <= set(chart.donnees["Sexe"])


def test_real_registry_without_surveys(registry_copy, monkeypatch):
    at = app(registry_copy, monkeypatch)
    ok(at)
    assert "Données de démonstration" not in htmls(at)
    assert f'<div class="kf-valeur">{nombre(2845)}</div>' in htmls(at)
    for page in PAGES:
        at.switch_page(page).run()
        ok(at)
        infos = " ".join(i.value for i in at.info)
        if page in ("pages/motifs.py", "pages/satisfaction.py", "pages/regards-croises.py"):
            assert "Aucune réponse à l'enquête" in infos or "Aucune enquête" in infos
        if page == "pages/activite.py":
            assert "Aucune demande enregistrée" in infos
        if page in ("pages/territoires.py", "pages/reseau.py"):
            assert len(at.get("plotly_chart")) >= 2


def test_empty_store_says_what_to_do_and_loads_the_demo(tmp_path, monkeypatch):
    at = app(tmp_path / "vide.duckdb", monkeypatch)
    ok(at)
    assert "La base de données est **vide**" in " ".join(m.value for m in at.markdown)
    assert not at.get("plotly_chart")
    at.button(key="charger_demo").click().run()
    ok(at)
    assert "Données de démonstration" in htmls(at)
    assert len(at.get("plotly_chart")) == 2
    assert len(come_into_view(at).get("plotly_chart")) == 6


@pytest.mark.parametrize("page", ["pages/motifs.py", "pages/satisfaction.py", "pages/regards-croises.py"])
def test_survey_pages_explain_their_method(demo_app_db, monkeypatch, page):
    at = app(demo_app_db, monkeypatch)
    at.switch_page(page).run()
    ok(at)
    expander = next(e for e in at.expander if e.label.startswith("Méthodologie"))
    text = "\n".join(m.value for m in expander.markdown)
    assert "Korn et Graubard" in text and "trop peu de Maisons" in text


def test_pages_say_which_filters_do_not_apply_to_which_source(demo_app_db, monkeypatch):
    at = app(demo_app_db, monkeypatch, format="bus")
    ok(at)
    captions = "\n".join(c.value for c in at.caption)
    assert "les filtres format et structure porteuse ne s'appliquent pas à leur enquête" in captions
    assert "La période" not in captions


def test_a_page_setting_comes_back_as_it_was_left_when_its_page_is_opened_again(demo_db, demo_app_db, monkeypatch):
    """Streamlit forgets a widget's value when its page is left: the threshold came back at 1 km (the first of its
    options) and the breakdown at none, with figures computed on them, instead of what the person had left."""
    at = app(demo_app_db, monkeypatch)

    def away_and_back(page: str) -> None:
        at.switch_page("pages/activite.py").run()
        at.switch_page(page).run()
        ok(at)

    at.switch_page("pages/reseau.py").run()
    away_and_back("pages/reseau.py")
    assert at.select_slider(key="seuil_km").value == 5.0 and "seuil_km" not in at.query_params
    assert expected(demo_db, charts.reseau.conformite, Filters(), 5.0, "auto").titre in chart_titles(at)
    at.select_slider(key="seuil_km").set_value(10.0).run()
    away_and_back("pages/reseau.py")
    assert at.select_slider(key="seuil_km").value == 10.0 and at.query_params["seuil_km"] == "10.0"
    assert expected(demo_db, charts.reseau.conformite, Filters(), 10.0, "auto").titre in chart_titles(at)
    at.selectbox(key="referentiel").set_value("france_services").run()  # no distance rule: the slider is not drawn
    at.selectbox(key="referentiel").set_value("msap").run()
    assert at.select_slider(key="seuil_km").value == 10.0

    at.switch_page("pages/satisfaction.py").run()
    away_and_back("pages/satisfaction.py")
    assert at.segmented_control(key="ventilation").value == charts.satisfaction.DEFAULT_BREAKDOWN
    assert expected(demo_db, charts.satisfaction.tres_satisfaits_par, Filters(),
                    charts.satisfaction.DEFAULT_BREAKDOWN).titre in chart_titles(at)
    at.segmented_control(key="ventilation").set_value(None).run()  # no breakdown, chosen: kept as chosen
    away_and_back("pages/satisfaction.py")
    assert at.segmented_control(key="ventilation").value is None


def test_tables_write_numbers_in_french_whatever_the_browser_language(registry_copy, monkeypatch):
    """The browser shows a table's display values as sent; 'localized' would follow the browser's language."""
    import pyarrow as pa

    at = app(registry_copy, monkeypatch)
    at.switch_page("pages/reseau.py").run()
    ok(at)
    frame = next(d for d in at.dataframe if "Heures par semaine" in d.value.columns)
    shown = pa.ipc.open_stream(frame.proto.arrow_data.styler.display_values).read_pandas()
    raw = frame.value
    hours = raw.columns.get_loc("Heures par semaine")
    complete = [c for c in raw.columns if raw[c].dtype.kind in "if"]
    assert complete, "some number column stays numeric (sortable)"
    for col in complete:
        i = raw.columns.get_loc(col)
        for value, text in zip(raw[col], shown.iloc[:, i]):
            assert text == nombre(value, 2 if (raw[col] % 1 != 0).any() else 0)
    assert "." not in "".join(map(str, shown.iloc[:, hours]))
    assert all(re.fullmatch(r"\d+\u00a0h(\u00a0\d\d)?|–", t) for t in shown.iloc[:, hours])  # « 24 h 15 », a clock's


def test_page_settings_live_in_the_url_with_the_filters(demo_db, demo_app_db, monkeypatch):
    at = app(demo_app_db, monkeypatch, region="76", ventilation="sexe")
    at.switch_page("pages/satisfaction.py").run()
    ok(at)
    assert at.segmented_control(key="ventilation").value == "sexe"
    f = Filters(regions=("76",))
    assert expected(demo_db, charts.satisfaction.tres_satisfaits_par, f, "sexe").titre in chart_titles(at)
    at.segmented_control(key="ventilation").set_value("situation").run()
    assert at.query_params["ventilation"] == "situation" and at.query_params["region"] == "76"

    at = app(demo_app_db, monkeypatch, referentiel="msap", seuil_km="7.5", zone="974")
    at.switch_page("pages/reseau.py").run()
    ok(at)
    assert at.selectbox(key="referentiel").value == "msap"
    assert at.select_slider(key="seuil_km").value == 7.5
    assert expected(demo_db, charts.reseau.conformite, Filters(), 7.5, "msap").titre in chart_titles(at)
    at.selectbox(key="referentiel").set_value("auto").run()  # back to the default: gone from the URL
    assert "referentiel" not in at.query_params and at.query_params["seuil_km"] == "7.5"
    at.selectbox(key="referentiel").set_value("france_services").run()  # no distance rule: no threshold
    ok(at)
    assert not [s for s in at.select_slider if s.key == "seuil_km"]
    assert expected(demo_db, charts.reseau.conformite, Filters(), 5.0, "france_services").titre in chart_titles(at)
    at.switch_page("pages/territoires.py").run()
    ok(at)
    assert at.selectbox(key="zone").value == "974"


def test_a_setting_not_among_the_options_is_ignored(demo_app_db, monkeypatch):
    at = app(demo_app_db, monkeypatch, ventilation="<b>x</b>", seuil_km="abc")
    at.switch_page("pages/satisfaction.py").run()
    ok(at)
    assert at.segmented_control(key="ventilation").value == "tranche_age"
    at.switch_page("pages/reseau.py").run()
    ok(at)
    assert at.select_slider(key="seuil_km").value == 5.0


def test_the_export_page_builds_the_pack_of_the_filters_and_offers_each_piece(demo_db, demo_app_db, monkeypatch):
    import io

    from openpyxl import load_workbook

    from msap_stats.export import pack

    at = app(demo_app_db, monkeypatch, region="53")
    at.switch_page("pages/exporter.py").run()
    ok(at)
    assert "Région : Bretagne" in " ".join(m.value for m in at.markdown)
    at.button(key="preparer_dossier").click().run()
    ok(at)
    built = at.session_state["_dossier"][1]
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"Télécharger le dossier complet ({built.zip_name})" in labels
    assert {"en-bref.pdf", "tableaux.xlsx", "LISEZMOI.txt"} <= set(labels)
    assert labels.count("Image (PNG)") == labels.count("Image (SVG)") == len(built.charts)
    # The same pack as the command line's (same function, same filters): same files, same numbers.
    con = store.connect(demo_db, read_only=True)
    direct = pack.build(con, Filters(regions=("53",)))
    con.close()
    assert sorted(built.files) == sorted(direct.files)
    for a, b in zip(load_workbook(io.BytesIO(built.files["tableaux.xlsx"])).worksheets,
                    load_workbook(io.BytesIO(direct.files["tableaux.xlsx"])).worksheets):
        assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]


def test_text_cells_are_shown_whole_in_the_tables(registry_copy, monkeypatch):
    """Each text column as wide as its longest cell (up to a cap): « Fixe avec antenne(s) », never cut."""
    import json

    from msap_stats.ui.blocks import TEXT_MAX_PX, TEXT_PX

    at = app(registry_copy, monkeypatch)
    at.switch_page("pages/reseau.py").run()
    ok(at)
    checked = 0
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for col in frame.value.columns:
            if pd.api.types.is_string_dtype(frame.value[col]) and len(frame.value):
                longest = max(len(str(v)) for v in [col, *frame.value[col].dropna()])
                assert config[col]["width"] >= min(TEXT_MAX_PX, TEXT_PX * longest), (col, config.get(col))
                checked += 1
    assert checked >= 3


def test_the_export_page_composes_saves_and_rebuilds_a_note(demo_app_db, monkeypatch):
    """A title and a colophon typed, the note saved by name with the perimeter in force, then chosen again and
    built: the pack carries the author's title; a note without a name is refused in French."""
    from msap_stats.export import note as notes

    at = app(demo_app_db, monkeypatch, region="53")
    at.switch_page("pages/exporter.py").run()
    at.text_input(key="note_proposee_titre").set_value("La Bretagne et ses Maisons").run()
    at.button(key="note_enregistrer").click().run()
    ok(at)
    assert any("Donnez un nom à la note" in e.value for e in at.error)
    at.text_input(key="note_proposee_nom").set_value("Bretagne 2016").run()
    at.text_input(key="note_proposee_col_issn").set_value("1234-5678").run()
    at.button(key="note_enregistrer").click().run()
    ok(at)
    con = store.connect(demo_app_db, read_only=True)
    saved = notes.load(con, "Bretagne 2016")
    con.close()
    assert saved.titre == "La Bretagne et ses Maisons" and saved.filters == Filters(regions=("53",))
    assert saved.colophon == {"issn": "1234-5678"}
    at.selectbox(key="note_depart").set_value("Bretagne 2016").run()
    at.button(key="preparer_dossier").click().run()
    ok(at)
    built = at.session_state["_dossier"][1]
    assert built.dossier.startswith("en-bref_bretagne-2016_region-bretagne_")


def test_a_failing_page_shows_a_french_panel_not_a_traceback(demo_db, monkeypatch, caplog):
    """Production: no traceback, path or process id on the page; the detail in the server's log, same reference."""
    monkeypatch.delenv("MSAP_DEBUG")

    def broken(con):
        raise RuntimeError("/home/secret/msap.duckdb held by PID 4242 (/usr/bin/python3)")

    monkeypatch.setattr(indicators, "activity_months", broken)
    at = app(demo_db, monkeypatch)
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "Cette page n'a pas pu être préparée" in shown and "rien n'a été modifié" in shown
    reference = shown.split("**")[1]
    everything = shown + htmls(at) + " ".join(m.value for m in at.markdown)
    assert "PID" not in everything and "secret" not in everything and "Traceback" not in everything
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_failing_chart_drawn_later_is_a_french_panel_among_the_others(demo_app_db, monkeypatch, caplog):
    """A chart that fails in a part drawn later (a fragment run alone, outside the page's guard): a French panel in
    its place, the part's other charts drawn, its waiting line gone; the detail in the server's log."""
    from msap_stats.charts import regards

    monkeypatch.delenv("MSAP_DEBUG")

    def broken(df):
        raise RuntimeError("/home/secret/msap.duckdb held by PID 4242")

    at = app(demo_app_db, monkeypatch)
    monkeypatch.setattr(regards, "_impacts_title", broken)  # the first of the lower rows' four charts
    come_into_view(at)
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert shown.count("Ce graphique n'a pas pu être préparé") == 1 and "secret" not in shown + htmls(at)
    assert len(at.get("plotly_chart")) == 5 and 'class="plus-tard-fin"' in htmls(at)
    assert any(shown.split("**")[1] in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_store_held_by_another_program_is_said_busy(registry_copy, monkeypatch):
    monkeypatch.delenv("MSAP_DEBUG")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(60)", str(registry_copy)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        at = app(registry_copy, monkeypatch)
    finally:
        holder.kill()
        holder.wait()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "La base est occupée" in shown and "réessayez dans un instant" in shown
    assert "PID" not in shown and str(registry_copy) not in shown


PIEGES = ['<a href="http://piege.example/connexion">Session expirée</a>',
          '<form action="http://piege.example"><input type="password" name="mdp"></form>',
          '<img src="http://piege.example/p.png"><b>gras</b>']


def test_names_and_file_names_from_a_file_never_become_markup(tmp_path, monkeypatch):
    """Maison names and the list's file name on every page: shown as text in the page, in chart titles, footers
    and hovers (plotly reads its strings as HTML), never as a link, a form or an image."""
    db = tmp_path / "pieges.duckdb"
    body = "id_maison;nom;code_departement;latitude;longitude;format\n" + "".join(
        f"P{i};{name};48;44.{5 + i};3.{4 + i};fixe\n" for i, name in enumerate(PIEGES))
    con = store.connect(db)
    from msap_stats.intake.importer import import_bytes

    import_bytes(con, body.encode("utf-8"), '<a href="http://piege.example">liste</a>.csv', "maisons")
    con.close()
    at = app(db, monkeypatch)
    for page in ["pages/vue-ensemble.py", "pages/territoires.py", "pages/reseau.py", "pages/activite.py"]:
        at.switch_page(page).run()
        assert not at.exception, page
        shown = htmls(at) + "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
        assert "piege.example" in shown or page != "pages/vue-ensemble.py"  # the file name is shown (as text)
        for tag in ("<a href", "<form", "<input", "<img"):
            assert tag not in shown, (page, tag)
        figures = figure_texts(at)
        for tag in ("<a href", "<form", "<input", "<img", "<b>gras"):
            assert tag not in figures, (page, tag)
    at.switch_page("pages/territoires.py").run()
    hovers = figure_texts(at)
    assert "&lt;a href=" in hovers and "Session expirée&lt;/a&gt;" in hovers  # the name, as written


def figure_texts(at) -> str:
    """Every string of every chart sent to the browser (titles, footers, labels, hovers), as plotly will read it."""
    import json

    return json.dumps([pio.from_json(c.proto.spec).to_plotly_json() for c in at.get("plotly_chart")],
                      ensure_ascii=False, default=str)


def test_the_style_sheet_holds_nothing_the_html_sanitizer_would_take_for_a_tag():
    """st.html drops the whole <style> when its text holds a "<" (a comment's or a typed attr()'s): every rule lost."""
    css = style.static_text("style.css")
    assert "Tout sélectionner" in css and "<" not in css
