"""Every chart under a grid of filters: computed findings, no broken sentences, on the demo, the real registry
and an empty store. The views are called directly on stores built once (no page, no browser: fast)."""

from __future__ import annotations

import re

import pytest

from msap_stats import charts, store
from msap_stats.charts.figures import Chart
from msap_stats.indicators import Filters

CHARTS = [(charts.motifs.motifs_usagers,), (charts.motifs.demandes_par_thematique,), (charts.motifs.demandes_par_operateur,),
          (charts.motifs.types_accompagnement,), (charts.motifs.part_sante_dependance,), (charts.motifs.motifs_par_region,),
          (charts.motifs.thematiques_par_region,), (charts.satisfaction.satisfaction_accueil, "tranche_age"), (charts.satisfaction.tres_satisfaits_par, "sexe"),
          (charts.satisfaction.simplifie_quotidien, "region"), (charts.satisfaction.attentes,), (charts.regards.impacts_compares,), (charts.regards.profil_agents,),
          (charts.regards.missions_agents,), (charts.regards.arrivee_agents,), (charts.regards.habitants_connaissance,), (charts.regards.qualite_offre,),
          (charts.activite.demandes_par_mois,), (charts.activite.demandes_mois_thematique,), (charts.activite.demandes_par_maison,),
          (charts.activite.demandes_par_heure,), (charts.activite.profil_public, "tranche_age"), (charts.territoires.carte_maisons, "metropole"),
          (charts.territoires.carte_departements, "maisons_100k", "metropole"), (charts.territoires.maisons_par_region,), (charts.reseau.conformite,),
          (charts.reseau.porteurs,), (charts.reseau.formats,), (charts.reseau.partenariats,)]
GRID = [Filters(), Filters(regions=("76",)), Filters(regions=("11",)), Filters(regions=("01",)), Filters(regions=("94",)),
        Filters(departements=("05",)), Filters(departements=("48",)), Filters(departements=("2A",)),
        Filters(departements=("976",)), Filters(formats=("bus",)), Filters(porteurs=("gip",)),
        Filters(debut="2016-03", fin="2016-03"),
        Filters(regions=("53",), departements=("56",))]  # a domain whose clusters answer alike: a variance of rounding
NO_REASON_AS_SUBJECT = re.compile(r"^\s*(effectif insuffisant|précision insuffisante|trop peu de)", re.IGNORECASE)


def sentences(con, f: Filters):
    for fn, *args in CHARTS:
        chart = fn(con, f, *args)
        if isinstance(chart, Chart):
            yield fn.__name__, chart, chart.titre
            yield fn.__name__, chart, chart.footer
        else:
            yield fn.__name__, None, chart.message
    for k in charts.overview.key_figures(con, f):
        yield "key_figures", None, f"{k.valeur} {k.texte}"


def broken(text: str) -> list[str]:
    found = [why for mark, why in (("{", "accolade"), ("}", "accolade"), ("None", "None"), ("nan", "nan"))
             if mark in text]
    if NO_REASON_AS_SUBJECT.match(text):
        found.append("une raison en sujet de phrase")
    same = re.search(r"de (\S+) \(([^)]+)\) à \1 \(\2\)", text)
    if same:
        found.append("« de X à X »")
    if re.search(r"\b(Les agents|Les habitants|Les usagers)\s*$", text):
        found.append("phrase coupée")
    return found


@pytest.mark.parametrize("which", ["demo", "registre"])
def test_every_chart_under_every_filter_reads_right(which, demo_con, registry_con):
    con = demo_con if which == "demo" else registry_con
    problems = []
    for f in GRID:
        for name, chart, text in sentences(con, f):
            problems += [(name, f.describe(), why, text) for why in broken(text)]
            if chart is not None and name == "maisons_par_region" and "la plus forte" in chart.titre:
                data = chart.donnees
                top = data.sort_values("Maisons / 100 000 hab.").iloc[-1]
                level = "Département" if f.departements else "Région"  # never a région holding some départements
                assert chart.titre.startswith(top[level]) and len(data) > 1, (f.describe(), chart.titre)
            if chart is not None and name == "motifs_par_region" and "(" in chart.titre:
                named = chart.titre.rsplit("(", 1)[1].rstrip(")")
                aide = chart.donnees[chart.donnees["Motif"].str.startswith("Être accompagné")].dropna(subset=["Part (%)"])
                assert named == aide.sort_values("Part (%)").iloc[-1]["Région"], (f.describe(), chart.titre)
            if chart is not None and name == "impacts_compares" and "publics" in chart.titre:
                table = chart.donnees.dropna(subset=["p (test entre publics, Holm)"])
                differ = table[table["p (test entre publics, Holm)"] < 0.05]
                assert ("effets proches" in chart.titre) == differ.empty, (chart.titre, f.describe())
                if len(differ):  # the effect named is the widest significant gap
                    top = differ.sort_values("Écart entre publics (points)").iloc[-1]
                    assert chart.titre.endswith(f"« {top['Effet perçu'].lower()} »"), chart.titre
            if chart is not None and name == "demandes_mois_thematique" and "en tête" in chart.titre:
                totals = chart.donnees.groupby("Thématique")["Demandes"].sum().sort_values()
                assert chart.titre.split(" : ")[1].startswith(totals.index[-1].lower()), chart.titre
    assert problems == []


def test_an_empty_store_explains_itself_everywhere(tmp_path):
    con = store.connect(tmp_path / "vide.duckdb")
    try:
        for f in (Filters(), Filters(regions=("84",))):
            for name, chart, text in sentences(con, f):
                assert chart is None or name == "key_figures", name  # no chart drawn on nothing
                assert broken(text) == [], (name, text)
    finally:
        con.close()


NOTE_GRID = {"demo": [Filters(), Filters(regions=("76",)), Filters(departements=("48",)), Filters(departements=("976",)),
                      Filters(formats=("bus",))],
             "registre": [Filters(), Filters(departements=("976",))]}


@pytest.mark.parametrize("which", ["demo", "registre"])
def test_the_note_under_the_grid_reads_right(which, demo_con, registry_con):
    """The printed note, read back from its PDF for several perimeters: no broken sentence, no « (s) » nor
    « 0 Maison », no word cut by a line of the template, within four pages."""
    from tests.browser import chromium_available
    from tests.export.test_export import flat, pdf_text

    if not chromium_available():
        pytest.skip("Chromium absent : kaleido en a besoin")
    from msap_stats.export import pack

    con = demo_con if which == "demo" else registry_con
    problems = []
    for f in NOTE_GRID[which]:
        pages, text = pdf_text(pack.build(con, f).files["en-bref.pdf"])
        text = flat(text)
        found = [why for pattern, why in ((r"\bnan\b", "nan"), (r"\bNone\b", "None"), (r"[{}]", "accolade"),
                                          (r"(?<!antenne)\(s\)", "« (s) »"), (r"\b0 Maisons?\b", "0 Maison"),
                                          (r"\bde (\S+) \(([^)]+)\) à \1 \(\2\)", "« de X à X »"))
                 if re.search(pattern, text)]
        problems += [(f.describe(), why) for why in found] + [(f.describe(), f"{pages} pages")] * (pages > 4)
    assert not problems, problems
