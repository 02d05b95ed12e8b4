"""What the pages show: charts whose numbers are the indicators, titles that state them, honest absences."""

from __future__ import annotations

import re
import json

import numpy as np
import pytest

from msap_stats import charts, indicators, network, reference, referentiels, schema
from msap_stats.charts import figures
from msap_stats.fmt import nombre, pct
from msap_stats.indicators import Filters
from tests.conftest import CONTOURS

CHART_VIEWS = [charts.motifs.motifs_usagers, charts.motifs.demandes_par_thematique, charts.motifs.demandes_par_operateur,
               charts.motifs.types_accompagnement, charts.motifs.part_sante_dependance, charts.motifs.motifs_par_region,
               charts.motifs.thematiques_par_region, charts.satisfaction.satisfaction_accueil, charts.satisfaction.tres_satisfaits_par,
               charts.satisfaction.simplifie_quotidien, charts.satisfaction.attentes, charts.regards.impacts_compares, charts.regards.profil_agents,
               charts.regards.missions_agents, charts.regards.habitants_connaissance, charts.regards.qualite_offre, charts.activite.demandes_par_mois,
               charts.activite.demandes_mois_thematique, charts.activite.demandes_mois_accompagnement, charts.activite.demandes_par_maison,
               charts.activite.demandes_par_heure, charts.activite.profil_public, charts.territoires.carte_maisons, charts.territoires.carte_departements,
               charts.territoires.maisons_par_region, charts.reseau.conformite, charts.reseau.porteurs, charts.reseau.formats, charts.reseau.partenariats]
SURVEY_VIEWS = {charts.motifs.motifs_usagers, charts.motifs.motifs_par_region, charts.satisfaction.satisfaction_accueil, charts.satisfaction.tres_satisfaits_par,
                charts.satisfaction.simplifie_quotidien, charts.satisfaction.attentes, charts.regards.impacts_compares, charts.regards.profil_agents,
                charts.regards.missions_agents, charts.regards.habitants_connaissance, charts.regards.qualite_offre}


@pytest.mark.parametrize("view", CHART_VIEWS, ids=lambda v: v.__name__)
def test_every_chart_on_the_demo_has_a_finding_a_base_and_a_source(demo_con, view):
    chart = view(demo_con, Filters())
    assert isinstance(chart, figures.Chart), getattr(chart, "message", chart)
    assert chart.titre and chart.base and chart.source == "Données de démonstration"
    assert len(chart.donnees) > 0 and chart.figure.data
    spec = json.loads(chart.figure.to_json())
    assert chart.titre.split(" ")[0] in spec["layout"]["title"]["text"]  # the export carries the title
    assert "Source : Données de démonstration" in spec["layout"]["title"]["subtitle"]["text"].replace("<br>", " ")


def test_the_motives_chart_plots_exactly_the_indicator_and_its_interval(demo_con):
    chart = charts.motifs.motifs_usagers(demo_con, Filters(regions=("76",)))
    figs = indicators.survey_indicators(demo_con, "usagers", Filters(regions=("76",)))["motifs"]
    bar = chart.figure.data[0]
    data = chart.donnees
    assert list(bar.x) == list(data["Part (%)"])
    assert list(bar.x) == [figs[k]["pct"] for k in ("aide_dossier", "renseignement", "outils_libre_acces",
                                                    "demarche_en_ligne")]
    upper = [h - v for h, v in zip(data["IC 95 % haut"], data["Part (%)"])]
    assert list(bar.error_x.array) == pytest.approx(upper)
    top = max(figs.values(), key=lambda x: x["pct"])
    assert chart.titre.startswith(f"{pct(top['pct'])} des usagers viennent pour")
    assert chart.base.startswith(f"n = {nombre(figs['aide_dossier']['n'])} usagers ayant répondu, pondéré")


def test_requests_by_thematique_match_the_store(demo_con):
    chart = charts.motifs.demandes_par_thematique(demo_con, Filters(departements=("48",)))
    expected = dict(demo_con.execute(
        "SELECT thematique, sum(nb) FROM activite_actifs WHERE id_maison IN "
        "(SELECT id_maison FROM maisons_actifs WHERE code_departement = '48') GROUP BY 1").fetchall())
    labels = {c.code: c.label for c in schema.THEMATIQUES}
    got = dict(zip(chart.donnees["Thématique"], chart.donnees["Demandes"]))
    assert got == {labels[k]: v for k, v in expected.items()}
    assert chart.base == f"n = {nombre(sum(expected.values()))} demandes"


def test_small_groups_say_why_they_have_no_figure(demo_con):
    chart = charts.satisfaction.tres_satisfaits_par(demo_con, Filters(departements=("48",)), by="tranche_age")
    texts = list(chart.figure.data[0].text)
    reasons = {"effectif insuffisant", "précision insuffisante", "trop peu de Maisons"}
    assert "effectif insuffisant" in texts  # Lozère's age bands: fewer than 30 answers
    assert chart.donnees["Part (%)"].isna().sum() == sum(t in reasons for t in texts)
    # The whole of Lozère has 30 answers or more, but answers alike within its Maisons: the reason says so.
    whole = indicators.shares(demo_con, "usagers", indicators.SURVEY_INDICATORS["usagers"],
                              Filters(departements=("48",))).set_index("item").loc["tres_satisfait"]
    assert whole["n"] >= 30 and whole["n_eff"] < 30 and whole["raison"] == "précision insuffisante"


def test_breakdowns_follow_the_code_order(demo_con):
    chart = charts.satisfaction.satisfaction_accueil(demo_con, Filters(), by="tranche_age")
    groups = list(dict.fromkeys(chart.donnees["Groupe"]))
    assert groups == ["Ensemble des usagers", "Moins de 25 ans", "25-39 ans", "40-59 ans", "60-74 ans", "75 ans et plus"]


def test_key_figures_quote_value_base_and_interval(demo_con):
    f = Filters(regions=("53",))
    figs = charts.overview.key_figures(demo_con, f)
    ind = indicators.all_indicators(demo_con, f)
    assert figs[0].valeur == nombre(ind["maisons"]["total"])
    aide = ind["usagers"]["motifs"]["aide_dossier"]
    assert figs[1].valeur == pct(aide["pct"])
    assert figs[1].detail == (f"n = {nombre(aide['n'])} usagers ; IC 95 % : {nombre(aide['ic95'][0], 1)} – "
                              f"{nombre(aide['ic95'][1], 1)}")
    assert figs[4].valeur == nombre(ind["activite"]["demandes"])


@pytest.mark.parametrize("view", sorted(SURVEY_VIEWS, key=lambda v: v.__name__), ids=lambda v: v.__name__)
def test_survey_views_say_there_is_no_survey_on_the_real_registry(registry_con, view):
    result = view(registry_con, Filters())
    assert isinstance(result, charts.common.Absent)
    assert "Aucune" in result.message and "enquête" in result.message


def test_real_registry_charts(registry_con):
    carte = charts.territoires.carte_maisons(registry_con, Filters(), "metropole")
    assert carte.source == "ANCT, liste des structures France services (liste-fs-20240801.csv)"
    drawn, overseas, unplaced = registry_con.execute(
        "SELECT count(*) FILTER (WHERE code_departement < '971' AND latitude IS NOT NULL), "
        "count(*) FILTER (WHERE code_departement >= '971' AND latitude IS NOT NULL), count(*) FILTER (WHERE latitude "
        "IS NULL) FROM maisons_v").fetchall()[0]
    assert len(carte.donnees) == drawn
    # One perimeter: the title counts every Maison the overview counts; the base says what the map leaves out.
    total = indicators.maisons_summary(registry_con, Filters())["total"]
    assert total == drawn + overseas + unplaced and carte.titre.startswith(f"{nombre(total)} Maisons :")
    assert f"dont {nombre(overseas)} en outre-mer" in carte.base and "hors carte" in carte.base
    parts = carte.titre.split(" : ", 1)[1]
    assert sum(int(p.split(" ")[0].replace("\u202f", "")) for p in parts.split(", ")) == drawn + overseas
    assert "fixes" in parts and " fixe," not in parts  # counts with their noun agreed
    assert isinstance(charts.reseau.porteurs(registry_con, Filters()), charts.common.Absent)
    # All France, the default: every located Maison drawn, the overseas ones in one named inset per territory.
    france = charts.territoires.carte_maisons(registry_con, Filters())
    assert len(france.donnees) == drawn + overseas
    assert "outre-mer" not in france.base and (f"{nombre(unplaced)} sans coordonnées" in france.base) == bool(unplaced)
    away = registry_con.execute("SELECT DISTINCT code_departement FROM maisons_v WHERE code_departement >= '971' "
                                "AND latitude IS NOT NULL").fetchall()
    insets = [a.text for a in france.figure.layout.annotations]
    assert len(france.figure.layout.shapes) == len(away) == len(insets) >= 5
    assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"} <= set(insets)
    xs = [x for t in france.figure.data[1:] for x in t.x if x is not None]
    boxes = france.figure.layout.shapes
    inside = sum(any(b.x0 <= x <= b.x1 for b in boxes) for x in xs)
    assert inside == overseas  # each overseas Maison in an inset, every other one on the métropole


def test_nearest_distance_is_straight_line_and_excludes_itself(registry_con):
    """Every Maison of the national list against the haversine distance to each other one: the nearest found by the
    dot products of unit vectors is the nearest by great circle (or one tied with it), at the same distance."""
    sites = indicators.maisons_for_criteria(registry_con, Filters())
    sites = sites[sites["latitude"].notna() & sites["longitude"].notna()].reset_index(drop=True)
    near = network.nearest(sites)
    lat = np.radians(sites["latitude"].to_numpy(float))
    lon = np.radians(sites["longitude"].to_numpy(float))
    names = sites["nom"].to_numpy()
    assert len(sites) > 2000
    for i in range(len(sites)):
        d = 2 * 6371.0088 * np.arcsin(np.sqrt(np.sin((lat - lat[i]) / 2) ** 2
                                              + np.cos(lat[i]) * np.cos(lat) * np.sin((lon - lon[i]) / 2) ** 2))
        d[i] = np.inf
        assert near["distance_km"].iloc[i] == pytest.approx(d.min(), abs=0.005), i
        assert near["plus_proche"].iloc[i] in set(names[d <= d.min() + 1e-9]), i


def test_distance_threshold_changes_what_is_flagged(demo_con):
    near = len(charts.reseau.paires_proches(demo_con, Filters(), 2.0))
    far = len(charts.reseau.paires_proches(demo_con, Filters(), 15.0))
    assert near < far


def test_choropleth_on_contours_or_points_at_centroids(demo_con, monkeypatch):
    if not CONTOURS.exists():
        pytest.skip(f"contours absents ({CONTOURS})")
    monkeypatch.setenv("MSAP_CONTOURS", str(CONTOURS))
    with_contours = charts.territoires.carte_departements(demo_con, Filters(), "maisons_100k")
    filled = [t for t in with_contours.figure.data if t.fill == "toself"]
    rings = sum(1 for t in filled for v in t.x if v is None)
    assert len(filled) == 5 and rings >= 101  # five classes covering the 101 départements, overseas in insets
    hover = [t for t in with_contours.figure.data if t.mode == "markers"][0]
    assert len(hover.text) == 101 and "Lozère (48)" in " ".join(hover.text) and "Mayotte (976)" in " ".join(hover.text)
    # The classes run from the lowest value to the highest.
    values = with_contours.donnees["Maisons / 100 000 hab."]
    assert filled[0].name.startswith(nombre(values.min(), 1)) and filled[-1].name.endswith(nombre(values.max(), 1))
    monkeypatch.setenv("MSAP_CONTOURS", "/nulle/part.geojson")
    assert reference.contours() is None
    without = charts.territoires.carte_departements(demo_con, Filters(), "maisons_100k")
    assert {t.mode for t in without.figure.data} == {"markers"}
    assert sum(len(t.x) for t in without.figure.data) == 101


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours."""
    def luminance(colour: str) -> float:
        c = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_one_look_for_the_app_and_the_charts():
    """The Streamlit theme and the plotly template share the DSFR colours."""
    import tomllib

    from msap_stats.charts import theme
    from tests.conftest import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    assert config["primaryColor"] == theme.BLEU_FRANCE == theme.TEMPLATE.layout.colorway[0] == "#000091"
    assert config["chartCategoricalColors"][:4] == theme.PALETTE[:4]
    assert list(theme.STATUT) == list(referentiels.STATUTS)
    for status, colour in theme.STATUT.items():  # the counts written inside the bars read at 4.5:1 at least
        assert contrast(colour, theme.STATUT_TEXTE.get(status, "#FFFFFF")) >= 4.5, status
    assert theme.TEMPLATE.layout.separators == ",\u00a0"


def test_readme_screenshot_is_light(tmp_path):
    from tests.conftest import ROOT

    shot = ROOT / "docs" / "vue-ensemble.png"
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size < 500_000
    assert "docs/vue-ensemble.png" in (ROOT / "README.md").read_text(encoding="utf-8")


SURVEY_CHARTS = [(charts.motifs.motifs_usagers,), (charts.satisfaction.satisfaction_accueil, "sexe"), (charts.satisfaction.tres_satisfaits_par, "sexe"),
                 (charts.satisfaction.simplifie_quotidien, "tranche_age"), (charts.satisfaction.attentes,), (charts.regards.profil_agents,),
                 (charts.regards.missions_agents,), (charts.regards.habitants_connaissance,), (charts.regards.qualite_offre,)]


@pytest.mark.parametrize("chart", SURVEY_CHARTS, ids=lambda c: c[0].__name__)
def test_a_survey_chart_s_footer_gives_the_base_its_numbers_rest_on(demo_con, chart):
    fn, *args = chart
    f = Filters(regions=("84",))
    result = fn(demo_con, f, *args)
    data = result.donnees
    groups = data.iloc[:, 0].astype(str)
    answers = data.loc[groups.str.startswith("Ensemble"), "Réponses"] if groups.str.startswith("Ensemble").any() \
        else data["Réponses"]  # a breakdown's base is its whole: the « Ensemble » row
    shown = re.search(r"n = ([\d\u202f]+)(?: à ([\d\u202f]+))? \w+ ayant répondu", result.footer)
    low, high = (int(g.replace("\u202f", "")) if g else None for g in shown.groups())
    assert (low, high or low) == (int(answers.min()), int(answers.max())), result.footer
    kind = "agents" if "agents" in fn.__name__ else (
        "habitants" if fn.__name__ in ("habitants_connaissance", "qualite_offre") else "usagers")
    assert int(answers.max()) <= indicators.survey_count(demo_con, kind, f)  # who answered, not the survey's size


def test_an_activity_without_age_shows_no_profile(con_registry, tmp_path):
    from tests.spreadsheets import write_xlsx
    from msap_stats.intake.importer import import_file

    path = write_xlsx(tmp_path / "a.xlsx", ["id_maison", "mois", "thematique", "nb"], [["1", "2017-01", "emploi", 4]])
    import_file(con_registry, path, "activite")
    result = charts.activite.profil_public(con_registry, Filters(), "tranche_age")
    assert isinstance(result, charts.common.Absent) and "ne renseigne pas l'âge" in result.message


@pytest.mark.parametrize("f", [Filters(), Filters(departements=("48",)), Filters(debut="2016-03", fin="2016-03")],
                         ids=["tout", "lozere", "un_mois"])
def test_the_health_share_is_one_figure_in_the_key_figure_and_the_chart(demo_con, f):
    chart = charts.motifs.part_sante_dependance(demo_con, f)
    months = indicators.health_share_by_month(demo_con, f)
    where, params = indicators.scope("activite", f, columns=("thematique",))
    sante, total = demo_con.execute(f"SELECT sum(nb) FILTER (WHERE thematique IN ('sante', 'autonomie')), sum(nb) "
                                    f"FROM {where}", params).fetchall()[0]
    assert indicators.health_share(months) == pytest.approx(100 * sante / total)
    assert chart.titre.startswith(pct(100 * sante / total))
    demandes = next(k for k in charts.overview.key_figures(demo_con, f) if k.texte == "demandes traitées")
    assert demandes.detail.startswith(f"dont {pct(100 * sante / total)} en santé")


def test_one_maison_and_one_request_are_said_in_the_singular(tmp_path):
    from msap_stats import store
    from msap_stats.intake.importer import import_bytes

    con = store.connect(tmp_path / "une.duckdb")
    import_bytes(con, "id_maison;nom;code_departement;latitude;longitude;h_lundi\nU1;Maison seule;48;44.5;3.5;"
                      "09:00 - 12:00\n".encode(), "registre.csv", "maisons")
    import_bytes(con, b"id_maison;mois;thematique;nb\nU1;2017-01;emploi;1\n", "activite.csv", "activite")
    texts = []
    for view in CHART_VIEWS:
        if view in SURVEY_VIEWS:
            continue
        chart = view(con, Filters())
        if isinstance(chart, charts.common.Absent):
            continue
        texts += [chart.titre, chart.footer]
    texts += [f"{k.valeur} {k.texte} {k.detail}" for k in charts.overview.key_figures(con, Filters())]
    con.close()
    plural_after_one = [t for t in texts if re.search(r"(?<![\d\u202f,])1 (Maisons|demandes|réponses)", t)]
    assert texts and not plural_after_one
    assert any("1 Maison :" in t for t in texts) and any("1 demande" in t for t in texts)
    assert any("1 Maison dans le périmètre, sur la carte" in t for t in texts)


def test_a_citation_gives_the_value_its_interval_base_source_perimeter_period_and_link(demo_con):
    f = Filters(regions=("76",))
    chart = charts.satisfaction.satisfaction_accueil(demo_con, f)
    text = charts.common.chart_citation(demo_con, f, chart, "http://tableau.example/satisfaction?region=76")
    named = chart.donnees[chart.donnees["Part (%)"].round(0) == charts.common.first_number(chart.titre)].iloc[0]
    assert text.startswith(chart.titre)
    assert f"IC 95 % : {nombre(named['IC 95 % bas'], 1)} – {nombre(named['IC 95 % haut'], 1)}" in text
    assert chart.base in text and f"Source : {chart.source}, données du " in text
    assert "Périmètre : Région : Occitanie ; période : " in text and text.endswith("?region=76")
    key = charts.overview.key_figures(demo_con, f)[1]
    cited = charts.common.key_figure_citation(demo_con, f, key)
    assert cited.startswith(f"{key.valeur} {key.texte} ({key.detail}).") and "Région : Occitanie" in cited


def test_a_filter_the_registry_cannot_answer_does_not_apply_and_says_so(registry_con, demo_con):
    """The national list gives no porteur: choosing « La Poste » keeps every Maison and says the filter does not
    apply — never « 0 Maisons ». On the demo, which gives porteurs, the same filter narrows the perimeter."""
    poste = next(c.code for c in schema.PORTEURS if "poste" in c.code)
    f = Filters(porteurs=(poste,))
    every = indicators.maisons_summary(registry_con, Filters())["total"]
    assert indicators.maisons_summary(registry_con, f)["total"] == every
    notes = charts.common.filter_notes(registry_con, f)
    assert any("ne renseigne pas la structure porteuse : ce filtre ne s'applique pas" in n for n in notes)
    demo_every = indicators.maisons_summary(demo_con, Filters())["total"]
    assert 0 < indicators.maisons_summary(demo_con, f)["total"] < demo_every
    assert not any("ne renseigne pas" in n for n in charts.common.filter_notes(demo_con, f))


def test_a_survey_absent_from_the_period_says_its_dates_not_to_import(demo_con):
    month = Filters(debut="2016-03", fin="2016-03")
    absent = charts.satisfaction.satisfaction_accueil(demo_con, month)
    assert isinstance(absent, charts.common.Absent)
    s = indicators.survey_summary(demo_con, "usagers", Filters())
    assert "sur la période choisie" in absent.message and f"du {s['debut']:%d/%m/%Y} au {s['fin']:%d/%m/%Y}" in absent.message
    assert "importez" not in absent.message


def test_tables_say_no_data_where_there_is_none_never_zero(registry_con):
    """The registry alone: no request, no answer — the tables say « – » (no data), not 0."""
    deps = charts.territoires.tableau_departements(registry_con, Filters())
    assert deps["Demandes"].isna().all() and deps["Usagers interrogés"].isna().all()
    assert deps["Maisons"].sum() == indicators.maisons_summary(registry_con, Filters())["total"]  # counts stay counts
    regions = charts.territoires.tableau_regions(registry_con, Filters())
    assert regions["Demandes"].isna().all() and (regions["Maisons"] > 0).all()


def test_density_for_chosen_departements_is_by_departement(demo_con):
    chart = charts.territoires.maisons_par_region(demo_con, Filters(departements=("48",)))
    assert chart.titre.startswith("Lozère : ") and "Département" in chart.donnees and "Occitanie" not in chart.titre


def test_density_maps_of_all_france_a_region_and_their_classes(demo_con):
    """All France: the overseas départements in insets; a région: zoomed on its départements, each named; the
    lightest class a colour that prints (not near-white) and apart from the grey of cells without a figure."""
    t = charts.territoires
    france = t.carte_departements(demo_con, Filters())
    assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"} <= {a.text for a in
                                                                              france.figure.layout.annotations}
    assert not [d for d in france.figure.data if d.mode == "text"]  # 101 names would not fit
    occitanie = t.carte_departements(demo_con, Filters(regions=("76",)))
    names = next(d for d in occitanie.figure.data if d.mode == "text").text
    assert sorted(names) == sorted(reference.departements().query("code_region == '76'")["departement"])
    assert not occitanie.figure.layout.shapes  # no inset: the région alone, in place
    ys = [y for d in occitanie.figure.data if d.fill == "toself" for y in d.y if y is not None]
    assert 42 < min(ys) and max(ys) < 45.1  # the frame is Occitanie's, not France's
    fills = [d.fillcolor for d in france.figure.data if d.fill == "toself"]

    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert max(luminance(c) for c in fills if c != charts.theme.SANS_CHIFFRE) < 0.88
    assert france.figure.layout.legend.title.text == "Maisons / 100 000 hab."


@pytest.mark.parametrize("values", [
    [1.28, 1.29, 1.31, 1.33, 1.34, 1.36, 1.38, 1.41, 1.45, 1.5],  # a région's densities, classes a few hundredths wide
    [0.012, 0.013, 0.0135, 0.014, 0.0141, 0.02, 0.03],
    [120, 120.2, 120.4, 121, 300, 450, 800, 1200.5],
    [2.5, 2.5, 2.5],  # one value: one class, said once
])
def test_map_classes_state_distinct_bounds_that_hold_their_values(values):
    """A legend never says « 1,3 à 1,3 » for a class of 1.33 to 1.34: its bounds are written with the decimals
    that tell them apart, and each département's value lies between the bounds its class states."""
    import pandas as pd

    cls, labels = figures.classes(pd.Series(values))
    assert len(set(labels)) == len(labels), labels

    def number(text: str) -> float:
        return float(text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))

    for label in labels:
        bounds = label.split(" à ")
        assert len(bounds) in (1, 2) and len(set(bounds)) == len(bounds), labels
    for value, c in zip(values, cls):
        bounds = [number(b) for b in labels[c].split(" à ")]
        places = len(labels[c].split(" à ")[0].partition(",")[2])
        half = 0.5 * 10 ** -places
        assert bounds[0] - half <= value <= bounds[-1] + half, (value, labels[c])


def test_a_point_map_of_one_departement_is_drawn_on_its_outline_only(demo_con):
    lozere = charts.territoires.carte_maisons(demo_con, Filters(departements=("48",)))
    outline = lozere.figure.data[0]
    lats = [y for y in outline.y if y is not None]
    assert 44.1 < min(lats) and max(lats) < 45.0  # Lozère's outline, not the métropole's


def test_heatmap_headers_wrap_between_words_never_inside_one(demo_con):
    from msap_stats.survey import questions

    chart = charts.motifs.motifs_par_region(demo_con, Filters())
    heads = list(chart.figure.data[0].x)
    labels = {i.label for i in questions.MOTIFS.values()}
    assert any("<br>" in h for h in heads)  # long headers are wrapped…
    assert all(h.replace("<br>", " ") in labels for h in heads), heads  # …only between words, none lost


def test_a_share_across_regions_is_said_to_vary_only_when_its_written_ends_differ(demo_con):
    """« La part de l'emploi va de 26 % à 26 % des demandes selon la région » (Bretagne and Normandie) said a spread
    its own numbers do not show: both ends written alike, the share is said the same in each région."""
    seen = set()
    for regions in (("53", "28"), ("53", "84"), ("11", "76", "84"), ()):
        chart = charts.motifs.thematiques_par_region(demo_con, Filters(regions=regions))
        emploi = chart.donnees[chart.donnees["Thématique"] == charts.common.THEME_LABELS["emploi"]]["Part (%)"]
        low, high = pct(emploi.min()), pct(emploi.max())
        if low == high:
            assert chart.titre == f"La part de l'emploi est de {low} des demandes dans chaque région"
        else:
            assert chart.titre == f"La part de l'emploi va de {low} à {high} des demandes selon la région"
        seen.add(low == high)
        chart = charts.motifs.motifs_par_region(demo_con, Filters(regions=regions))
        shares = chart.donnees[chart.donnees["Motif"] == charts.motifs.ind.MOTIFS["aide_dossier"][0]]["Part (%)"].dropna()
        low, high = pct(shares.min()), pct(shares.max())
        said = f"est de {low} dans chaque région" if low == high else f"va de {low} à {high} selon la région"
        assert said in chart.titre, chart.titre
    assert seen == {True, False}  # both ways of saying it are met on the demo


def test_axes_counting_sites_or_maisons_are_graduated_in_whole_round_numbers(demo_con):
    """« 0,5 » site under a small département, and a running total graduated « 187 », « 373 » or « 21,9 », « 43,8 »
    (laid over the bars' axis, plotly synchronised its ticks with theirs): a count is read on whole round numbers, as
    drawn (the chart's SVG)."""
    import math

    def ticks(svg: str, axis: str) -> list[float]:
        texts = re.findall(rf'class="{axis}"[^>]*>\s*<text[^>]*>([^<]*)</text>', svg)
        return [float(t.replace("\u00a0", "").replace("\u202f", "").replace(",", ".")) for t in texts]

    for f in (Filters(), Filters(regions=("53", "28")), Filters(departements=("48",))):
        growth, per_maison = (chart.figure.to_image(format="svg").decode() for chart in
                              (charts.evolution.growth(demo_con, f), charts.activite.demandes_par_maison(demo_con, f)))
        for svg, axis in ((growth, "ytick"), (growth, "y2tick"), (per_maison, "ytick")):
            values = ticks(svg, axis)
            assert len(values) >= 2 and all(v == int(v) for v in values), (f, axis, values)
            step = values[1] - values[0]
            assert step / 10 ** math.floor(math.log10(step)) in (1, 2, 2.5, 5), (f, axis, values)
