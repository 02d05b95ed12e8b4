"""Calibration (redressement) of an unweighted survey on known margins: the figures, intervals and weights of R's
``calibrate(calfun = "raking")`` (unbounded, bounded, and on one variable: the post-stratification), on the whole
survey and on a domain that cuts across the cells (women); removed, restored, made again after an import; refusals
that leave the store as it was (tests/reference/calib.*)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from scipy import stats as sp

from msap_stats import charts, cli, store
from msap_stats.errors import ImportRefused
from msap_stats.indicators import ALL_WAVES, Filters, shares, survey_indicators
from msap_stats.intake import redressement as red
from msap_stats.intake.importer import import_file, rollback
from msap_stats.store import StoreError
from tests.reference import calib as built
from tests.spreadsheets import write_csv_fr

REFERENCE = json.loads((Path(__file__).parent.parent / "reference" / "calib.json").read_text("utf-8"))
ITEMS = {"tres_satisfait": ("Très satisfaits", "satisfaction_accueil = 'tres_satisfait'"),
         "motif_aide_dossier": ("Aide", "motif_aide_dossier"), "simplifie_quotidien": ("Simplifie", "simplifie_quotidien")}
YES_NO = {1: "Oui", 0: "Non", None: None}
SATISFACTION = {1: "Très satisfait", 0: "Plutôt satisfait", None: None}
HEADER = ["id_reponse", "date_reponse", "id_maison", "sexe", "tranche_age", "satisfaction_accueil", "motif_aide_dossier",
          "simplifie_quotidien", "motif_renseignement", "motif_outils_libre_acces", "motif_demarche_en_ligne"]
SEX_WRITTEN = {"femme": "F", "homme": "Homme"}  # as a survey file writes them
AGE_WRITTEN = {"moins_25": "18-24 ans", "25_39": "25 à 39 ans", "40_59": "40-59 ans", "60_74": "60 à 74 ans",
               "75_plus": "75 ans et plus", None: None}


def _body(rows):
    return [[r["id_reponse"], dt.date(2017, 3, 6), r["id_maison"], SEX_WRITTEN[r["sexe"]], AGE_WRITTEN[r["tranche_age"]],
             SATISFACTION[r["tres_satisfait"]], YES_NO[r["motif_aide_dossier"]], YES_NO[r["simplifie_quotidien"]],
             "Non", "Non", "Non"] for r in rows]


def _margins(folder: Path, lines: list[str] | None = None) -> red.Margins:
    path = folder / "marges.csv"
    if lines is None:  # the modalities as a coordinator writes them: labels, codes, spellings of the file
        lines = ["sexe;Femme;52", "Sexe;H;48", "âge;Moins de 25 ans;14", "âge;25_39;22", "âge;40-59 ans;30",
                 "Tranche d'âge;60 à 74 ans;22", "âge;75 ans et plus;12,0"]
    path.write_text("variable;modalite;part\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return red.read_margins(path.read_bytes(), path.name)


@pytest.fixture(scope="module")
def survey(registry_db, registry_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("calage")
    db = folder / "c.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, write_csv_fr(folder / "usagers.csv", HEADER, _body(built.build(registry_file))), "usagers")
    yield con, folder
    con.close()


def _equals_r(con, key: str, part: str = "ensemble", f: Filters | None = None):
    """The figures of R's ``key`` design, on the whole (``ensemble``) or on women (``femmes``, a domain)."""
    if part == "femmes":
        got = shares(con, "usagers", ITEMS, f or Filters(), by="sexe").set_index(["sexe", "item"]).loc["femme"]
    else:
        got = shares(con, "usagers", ITEMS, f or Filters()).set_index("item")
    for item, ref in REFERENCE[key][part].items():
        row = got.loc[item]
        assert row["n"] == ref["n"]
        assert row["pct"] == pytest.approx(ref["pct"], abs=0.05), (key, part, item)
        assert [row["ic_bas"], row["ic_haut"]] == pytest.approx(ref["ic95"], abs=0.1), (key, part, item)
    return got


def _state(con):
    return (con.execute("SELECT count(*), coalesce(sum(poids), 0) FROM poids_redresses").fetchall(),
            con.execute("SELECT id_redressement, statut FROM redressements ORDER BY 1").fetchall())


def test_raking_bounded_raking_and_post_stratification_equal_r(survey):
    con, folder = survey
    margins = _margins(folder)
    try:
        _equals_r(con, "brut")
        for key, borne, m in (("ratissage", None, margins), ("borne", built.BORNE, margins),
                              ("post_strate", None, red.Margins({"sexe": built.MARGES["sexe"]}, "saisie"))):
            report = red.redresser(con, "usagers", m, borne=borne)
            ref = REFERENCE[key]["poids"]
            w = report["poids"]
            assert (w["min"], w["max"], w["rapport"], w["n_eff_apres"]) == pytest.approx(
                (ref["min"], ref["max"], ref["rapport"], ref["n_eff"]), rel=1e-6), key
            assert w["n_eff_avant"] == REFERENCE["brut"]["poids"]["n_eff"]
            _equals_r(con, key)
            _equals_r(con, key, "femmes")
        # The report says what was matched: each target reached, the sample's share before.
        report = red.redresser(con, "usagers", margins)
        by_sex = {m["modalite"]: m for m in report["variables"][0]["modalites"]}
        assert by_sex["femme"]["cible"] == 52 and by_sex["femme"]["apres"] == pytest.approx(52, abs=0.01)
        assert by_sex["femme"]["avant"] > 60  # the survey was too female
        ages = {m["modalite"]: m for m in report["variables"][1]["modalites"]}
        assert ages["∅"]["cible"] is None and ages["∅"]["avant"] == pytest.approx(ages["∅"]["apres"], abs=0.01)
        text = "\n".join(red.report_text(report))
        assert "Femme 6" in text and "(cible 52,0 %)" in text and "taille effective 1\u202f014 avant, 684 après" in text
    finally:
        red.retirer(con, "usagers")


def test_the_pages_the_key_figures_and_indicators_show_the_calibrated_figures(survey, capsys):
    con, folder = survey
    red.redresser(con, "usagers", _margins(folder))
    try:
        ref = REFERENCE["ratissage"]["ensemble"]["tres_satisfait"]
        chart = charts.satisfaction.satisfaction_accueil(con, Filters())
        assert "redressé sur sexe, tranche d'âge" in chart.base
        assert survey_indicators(con, "usagers", Filters())["tres_satisfait"]["pct"] == pytest.approx(ref["pct"], abs=0.05)
        figures = charts.overview.key_figures(con, Filters())
        from msap_stats.export.pack import methodology

        said = " ".join(methodology(con, Filters(), "mars 2017"))
        assert "réponses redressées par calage sur marges : sexe, tranche d'âge (fichier « marges.csv »" in said
        shown = [k for k in figures if "très satisfaits" in k.texte]
        assert shown and shown[0].valeur == f"{round(ref['pct'])}\u202f%"
    finally:
        red.retirer(con, "usagers")
    assert "non pondéré" in charts.satisfaction.satisfaction_accueil(con, Filters()).base


def test_removed_restored_and_listed(survey):
    con, folder = survey
    first = red.redresser(con, "usagers", _margins(folder))
    message = red.retirer(con, "usagers")
    assert f"n°{first['id']} retiré" in message
    _equals_r(con, "brut")  # the file's weights again
    again = red.retablir(con, first["id"])
    try:
        _equals_r(con, "ratissage")
        statuses = {r["id"]: r["statut"] for r in red.history(con, "usagers")}
        assert statuses[first["id"]] == "retiré" and statuses[again["id"]] == "en vigueur"
        from msap_stats.audit import audit_log

        log = audit_log(con)
        assert {"redressement", "redressement retiré"} <= set(log["action"])
        made = log[log["action"] == "redressement"]["detail"]
        assert made.str.contains(f"n°{again['id']} usagers, vague « 2017 » : sexe, tranche d'âge", regex=False).any()
        with pytest.raises(StoreError, match="déjà en vigueur"):
            red.retablir(con, again["id"])
    finally:
        red.retirer(con, "usagers")


@pytest.mark.parametrize("lines, why", [
    (["sexe;Femme;52", "sexe;Homme;40"], "font 92,0 % et non 100 %"),
    (["sexe;Femme;52", "sexe;Homme;48", "sexe;Autre;5"], "modalité inconnue"),
    (["sexe;Femme;100"], "sans part dans les marges"),
    (["revenu;bas;100"], "variable inconnue"),
    (["sexe;Femme;cinquante", "sexe;Homme;48"], "part illisible"),
    (["sexe;Femme;1e308", "sexe;Homme;48"], "part au-delà de 100 %"),
    (["sexe;=1+1;52", "sexe;Homme;48"], "valeur « =1+1 » : modalité inconnue pour « Sexe »"),
    (["âge;75 ans et plus;100"], "les réponses comptent aussi « 25-39 ans »"),  # said by their labels
    (["sexe;Femme;30", "sexe;femmes;22", "sexe;Homme;48"], "« Femme » et « femmes » sont la même modalité"),
    (["sexe;Femme;100", "sexe;Homme;0"], "part nulle pour « Sexe » = « Homme »"),
    (["sexe;Femme;-5", "sexe;Homme;48"], "part négative"),
])
def test_margins_that_cannot_be_reached_are_refused_and_change_nothing(survey, lines, why):
    con, folder = survey
    before = _state(con)
    with pytest.raises(ImportRefused) as refused:
        red.redresser(con, "usagers", _margins(folder, lines))
    assert why in str(refused.value) and "rien n'a été enregistré" in str(refused.value)
    assert _state(con) == before
    from msap_stats.audit import audit_log

    last = audit_log(con).query("action == 'refus'").iloc[0]
    assert last["detail"].startswith("marges usagers : « marges.csv »")


def test_a_rounding_is_rescaled_and_said_plurals_are_read_wide_weights_are_warned(survey):
    con, folder = survey
    report = red.redresser(con, "usagers", _margins(folder, ["Sexe;Femmes;52", "Sexe;Hommes;48,5"]))
    try:
        said = "\n".join(red.report_text(report))
        assert "faisaient 100,50 % : elles ont été ramenées à 100 %" in said
        women = con.execute("SELECT sum(poids) FILTER (WHERE sexe = 'femme') / sum(poids) FROM usagers_actifs")
        assert women.fetchall()[0][0] == pytest.approx(52 / 100.5, abs=1e-6)
        assert "poids très dispersés" not in said
        far = red.redresser(con, "usagers", _margins(folder, ["sexe;Femme;3", "sexe;Homme;97"]))
        assert far["poids"]["n_eff_apres"] < far["poids"]["n_eff_avant"] / 2  # the truth behind the warning
        assert any("la taille effective passe de" in r for r in far["remarques"])
    finally:
        red.retirer(con, "usagers")


def test_margins_for_a_few_of_many_departements_name_some_and_count_the_rest(survey):
    con, folder = survey
    deps = [d for (d,) in con.execute("SELECT DISTINCT m.code_departement FROM usagers_actifs t JOIN sites m "
                                      "USING (id_maison) ORDER BY 1").fetchall()]
    assert len(deps) > red.MISSING_NAMED + 1  # the built survey spreads over many départements
    with pytest.raises(ImportRefused) as refused:
        red.redresser(con, "usagers", _margins(folder, [f"département;{deps[0]};100"]))
    said = str(refused.value)
    assert f"et {len(deps) - 1 - red.MISSING_NAMED} autres modalités" in said
    assert f"la vague compte {len(deps)} modalités de « Département »" in said


def test_a_bound_too_tight_is_refused_and_changes_nothing(survey):
    con, folder = survey
    before = _state(con)
    with pytest.raises(StoreError, match="ne peuvent pas être atteintes avec la borne 1,2"):
        red.redresser(con, "usagers", _margins(folder), borne=1.2)
    assert _state(con) == before


def test_an_import_into_the_wave_calibrates_it_again_and_a_rollback_too(survey, registry_file):
    con, folder = survey
    red.redresser(con, "usagers", _margins(folder))
    try:
        rows = built.build(registry_file, seed=99)[:80]
        for r in rows:
            r["id_reponse"] = "N" + r["id_reponse"]
        result = import_file(con, write_csv_fr(folder / "ajout.csv", HEADER, _body(rows)), "usagers")
        share = con.execute("SELECT sum(poids) FILTER (WHERE sexe = 'femme') / sum(poids), count(_cellule), count(*) "
                            "FROM usagers_actifs").fetchall()[0]
        assert share[0] == pytest.approx(0.52, abs=1e-6) and share[1] == share[2]  # every answer, margins kept
        rollback(con, result.import_id)
        assert con.execute("SELECT count(*) FROM poids_redresses").fetchall()[0][0] == len(built.build(registry_file))
        _equals_r(con, "ratissage")
    finally:
        red.retirer(con, "usagers")


def _move(con, registry_file, folder: Path, moved: str, to: str) -> Path:
    """The national list again, dated a month later, with one Maison moved to another département."""
    dep = con.execute("SELECT code_departement FROM sites WHERE id_maison = ?", [moved]).fetchall()[0][0]
    lines = registry_file.read_text("utf-8").splitlines(keepends=True)
    changed = [ln.replace(f'"{moved}","{dep}"', f'"{moved}","{to}"', 1) if ln.startswith(f'"{moved}",') else ln
               for ln in lines]
    assert changed != lines
    path = folder / "liste-fs-20240901.csv"
    path.write_text("".join(changed), encoding="utf-8")
    return path


def test_a_new_list_of_maisons_calibrates_again_what_rests_on_their_territory(survey, registry_file):
    """Calibrated on the registry's départements, then a new list moves a surveyed Maison to another département:
    the wave is calibrated again on the same parts, its answers in their new département; a list that leaves a
    département of the margins without any answer makes the calibration lapse, and the import says so."""
    con, folder = survey
    margins = red.margins_from_store(con, "usagers", "registre", ("code_departement",))
    first = red.redresser(con, "usagers", margins)
    maisons = con.execute("SELECT code_departement, list(DISTINCT id_maison ORDER BY id_maison) FROM usagers_actifs "
                          "JOIN sites USING (id_maison) GROUP BY 1 ORDER BY 1").fetchall()
    several = next((d, ms) for d, ms in maisons if len(ms) > 1)
    alone = next((d, ms) for d, ms in maisons if len(ms) == 1)
    other = next(d for d, _ in maisons if d not in (several[0], alone[0]))
    result = import_file(con, _move(con, registry_file, folder, several[1][0], other), "maisons")
    try:
        statuses = {r["id"]: r["statut"] for r in red.history(con, "usagers")}
        assert statuses[first["id"]] == "remplacé" and list(statuses.values()).count("en vigueur") == 1
        got = dict(con.execute("SELECT m.code_departement, sum(t.poids) / (SELECT sum(poids) FROM usagers_actifs) "
                               "FROM usagers_actifs t JOIN sites m USING (id_maison) GROUP BY 1").fetchall())
        assert con.execute("SELECT code_departement FROM sites WHERE id_maison = ?",
                           [several[1][0]]).fetchall()[0][0] == other
        assert got == pytest.approx({d: p / 100 for d, p in margins.parts["code_departement"].items()}, abs=1e-6)
    finally:
        rollback(con, result.import_id)
    result = import_file(con, _move(con, registry_file, folder, alone[1][0], other), "maisons")
    try:
        assert any("ne peut plus être fait" in w and alone[0] in w for w in result.avertissements), result.avertissements
        assert red.history(con, "usagers")[0]["statut"] == "caduc"
        assert con.execute("SELECT count(*) FROM poids_redresses").fetchall()[0][0] == 0
    finally:
        rollback(con, result.import_id)


def test_margins_from_the_activity_of_the_surveyed_maisons(survey):
    con, folder = survey
    maisons = [m for (m,) in con.execute("SELECT DISTINCT id_maison FROM usagers_actifs ORDER BY 1").fetchall()]
    body = [[m, "2017-03", "Emploi", "F" if i % 4 else "H", 3] for i, m in enumerate(maisons)]
    result = import_file(con, write_csv_fr(folder / "activite.csv", ["id_maison", "mois", "thematique", "sexe", "nb"],
                                           body), "activite")
    try:
        margins = red.margins_from_store(con, "usagers", "activite", ("sexe",))
        women = sum(1 for i in range(len(maisons)) if i % 4)
        assert margins.parts["sexe"]["femme"] == pytest.approx(100 * women / len(maisons))
        report = red.redresser(con, "usagers", margins)
        assert report["methode"] == "post-stratification" and "activité des Maisons enquêtées" in report["source"]
    finally:
        red.retirer(con, "usagers")
        rollback(con, result.import_id)


def _cli_store(registry_db, registry_file, folder: Path) -> Path:
    """A store of the built survey and its margins file, for the command line."""
    db = folder / "cli.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, write_csv_fr(folder / "usagers.csv", HEADER, _body(built.build(registry_file))), "usagers")
    con.close()
    _margins(folder)
    return db


def test_the_command_line_calibrates_lists_and_removes(registry_db, registry_file, tmp_path, capsys):
    db = _cli_store(registry_db, registry_file, tmp_path)
    marges = str(tmp_path / "marges.csv")
    assert cli.main(["redresser", "--db", str(db), "--kind", "usagers", "--marges", marges]) == 0
    out = capsys.readouterr().out
    assert "calage sur marges (raking)" in out and "Femme" in out
    assert cli.main(["redresser", "--db", str(db), "--liste"]) == 0
    assert "en vigueur" in capsys.readouterr().out
    assert cli.main(["indicators", "--db", str(db)]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["usagers"]["ponderation"] == "redressé sur sexe, tranche d'âge"
    assert figures["usagers"]["tres_satisfait"]["pct"] == pytest.approx(
        REFERENCE["ratissage"]["ensemble"]["tres_satisfait"]["pct"], abs=0.05)
    assert cli.main(["redresser", "--db", str(db), "--kind", "usagers", "--retirer"]) == 0
    assert cli.main(["redresser", "--db", str(db), "--kind", "usagers", "--marges", marges, "--borne", "1.1"]) == 1
    assert "borne 1,1" in capsys.readouterr().err


def test_the_command_line_says_its_help_refuses_in_french_and_answers_json(registry_db, registry_file, tmp_path,
                                                                          capsys):
    db = _cli_store(registry_db, registry_file, tmp_path)
    base = ["redresser", "--db", str(db)]
    marges = ["--kind", "usagers", "--marges", str(tmp_path / "marges.csv")]
    with pytest.raises(SystemExit) as done:
        cli.main(["redresser", "--help"])
    assert done.value.code == 0 and "(parts en % par variable)" in capsys.readouterr().out
    refusals = [(["--kind", "agents", "--source", "activite"], "pas les agents"),
                ([*marges, "--source", "registre"], "d'une seule façon"),
                ([*marges, "--borne", "inf"], "au plus 1\u202f000"),
                ([*marges, "--borne", "1e308"], "au plus 1\u202f000"),
                (["--kind", "usagers", "--source", "registre", "--variable", "format", "--vague", " 2017 "],
                 "Les marges (Maisons du registre en vigueur) ne peuvent pas servir")]
    for args, why in refusals:
        assert cli.main(base + args) in (1, 2), args
        out = capsys.readouterr()
        assert why in out.err and "Traceback" not in out.err and "Erreur interne" not in out.err, (args, out.err)
        assert "Le fichier « marges »" not in out.err
    assert cli.main(base + [*marges, "--json", "--borne", "1.1"]) == 1
    assert "borne 1,1" in json.loads(capsys.readouterr().out)["refus"]
    assert cli.main(base + marges) == 0
    capsys.readouterr()
    first = json.loads(_run_json(base + ["--liste", "--json"], capsys))[0]["id"]
    assert json.loads(_run_json(base + ["--kind", "usagers", "--retirer", "--json"], capsys))["message"].startswith(
        f"Redressement n°{first} retiré")
    assert cli.main(base + ["--kind", "habitants", "--retablir", str(first)]) == 1
    assert "celui de l'enquête usagers, pas de l'enquête habitants" in capsys.readouterr().err
    assert cli.main(base + ["--retablir", str(first)]) == 0
    assert f"il rétablit les marges du n°{first}" in capsys.readouterr().out
    assert cli.main(base + ["--retablir", str(first)]) == 1  # the same margins are in force already
    assert f"déjà en vigueur sous le n°{first + 1}" in capsys.readouterr().err
    assert len(json.loads(_run_json(base + ["--liste", "--json"], capsys))) == 2


def _run_json(argv, capsys) -> str:
    assert cli.main(argv) == 0
    return capsys.readouterr().out


def test_the_import_page_calibrates_refuses_and_removes(registry_db, registry_file, tmp_path, monkeypatch):
    """On the page: margins from the surveyed Maisons' activity (sex), the report shown and the charts' footers
    saying it; margins the registry cannot give these answers refused in French, the store unchanged; removed."""
    from tests.ui.test_pages import app, ok

    db = tmp_path / "page.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, write_csv_fr(tmp_path / "usagers.csv", HEADER, _body(built.build(registry_file))), "usagers")
    maisons = [m for (m,) in con.execute("SELECT DISTINCT id_maison FROM usagers_actifs ORDER BY 1").fetchall()]
    import_file(con, write_csv_fr(tmp_path / "activite.csv", ["id_maison", "mois", "thematique", "sexe", "nb"],
                                  [[m, "2017-03", "Emploi", "F" if i % 2 else "H", 5] for i, m in enumerate(maisons)]),
                "activite")
    con.close()
    at = app(db, monkeypatch)
    at.switch_page("pages/importer.py").run()
    ok(at)
    at.radio(key="red_source").set_value("registre").run()
    at.button(key="red_go").click().run()
    ok(at)
    refused = " ".join(e.value for e in at.error)
    assert "ne peut pas être atteinte" in refused or "sans part dans les marges" in refused, refused
    reader = store.connect(db, read_only=True)
    assert reader.execute("SELECT count(*) FROM redressements").fetchall()[0][0] == 0
    reader.close()
    at.radio(key="red_source").set_value("activite").run()
    at.multiselect(key="red_vars_activite").set_value(["sexe"]).run()
    at.button(key="red_go").click().run()
    ok(at)
    said = (" ".join(s.value for s in at.success) + " ".join(i.value for i in at.info)).replace("\\", "")
    assert "post-stratification" in said and "activité des Maisons enquêtées" in said, said
    matched = at.dataframe[-1].value if at.dataframe else None
    shown = matched.set_index("Modalité") if matched is not None and "Modalité" in matched else None
    assert shown is not None and shown.loc["Femme", "Cible (%)"] == pytest.approx(50.0)  # the activity's share
    assert "taille effective" in " ".join(c.value for c in at.caption)
    at.switch_page("pages/satisfaction.py").run()
    ok(at)
    from tests.ui.test_pages import htmls

    assert "redressé sur sexe" in htmls(at)  # the charts' footers
    at.switch_page("pages/importer.py").run()
    at.button(key="red_retirer").click().run()
    ok(at)
    assert "retiré" in " ".join(s.value for s in at.success)
    assert not at.info  # nothing in force any more


def test_the_change_between_two_calibrated_waves_equals_r(registry_db, registry_file, tmp_path):
    """Two waves in the same Maisons, each calibrated on the margins: their change and its test are R's
    ``svyglm(y ~ vague)`` on the pooled answers calibrated wave by wave; before calibration, the plain one. The
    waves pooled: R's figures on that calibration, on the whole and on women."""
    from msap_stats.indicators import change

    db = tmp_path / "vagues.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    try:
        rows = built.build_waves(registry_file)
        for wave in ("2016", "2024"):
            body = [[*b, wave] for b, r in zip(_body(rows), rows) if r["vague"] == wave]
            import_file(con, write_csv_fr(tmp_path / f"u{wave}.csv", [*HEADER, "vague"], body), "usagers")
        for key, calibrate in (("brutes", False), ("redressees", True)):
            if calibrate:
                for wave in ("2016", "2024"):
                    red.redresser(con, "usagers", _margins(tmp_path), vague=wave)
            got = change(con, "usagers", ITEMS, Filters(), "2016", "2024").set_index("item")
            for item, ref in REFERENCE["vagues"][key].items():
                row = got.loc[item]
                assert row["ecart"] == pytest.approx(ref["ecart"], abs=0.05), (key, item)
                assert row["p_valeur"] == pytest.approx(ref["p"], abs=2e-3), (key, item)
                half = (row["ic_haut"] - row["ic_bas"]) / 2
                assert half == pytest.approx(sp.t.ppf(0.975, ref["ddl"]) * ref["se"], abs=0.1), (key, item)
            chart = charts.evolution.waves_change(con, Filters(), "usagers")
            assert ("redressé sur sexe, tranche d'âge" in chart.base) == calibrate, chart.base
        # the two waves pooled, each on its own calibration: R's figures on the calibration crossed with the wave
        _equals_r(con, "regroupees", f=Filters(vague=ALL_WAVES))
        _equals_r(con, "regroupees", "femmes", f=Filters(vague=ALL_WAVES))
    finally:
        con.close()
