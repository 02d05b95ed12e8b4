"""Two waves of a survey: each figure on one wave with its own design, the latest by default, and the change
between them tested with the Maisons as clusters across the waves; against R's survey (tests/reference)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from msap_stats import store
from msap_stats.indicators import ALL_WAVES, Filters, change, shares, survey_indicators, wave_pair, waves
from msap_stats.intake.importer import import_file
from tests.reference import waves as built
from tests.spreadsheets import write_csv_fr
from tests.test_cli import cli

REFERENCE = json.loads((Path(__file__).parent.parent / "reference" / "waves.json").read_text("utf-8"))
ITEMS = {item: (item, item) for item in built.ITEMS}
HEADER = ["id_reponse", "date_reponse", "id_maison", "poids", *built.ITEMS, "motif_outils_libre_acces",
          "motif_demarche_en_ligne", "satisfaction_accueil"]


def _file(path: Path, rows: list[dict], with_wave: bool, satisfaction=lambda r: "Très satisfait") -> Path:
    yes_no = {1: "Oui", 0: "Non", None: None}
    header = (["vague"] if with_wave else []) + HEADER
    body = [([r["vague"]] if with_wave else []) + [r["id_reponse"], r["date_reponse"], r["id_maison"], r["poids"],
            *(yes_no[r[i]] for i in built.ITEMS), "Non", "Non", satisfaction(r)] for r in rows]
    return write_csv_fr(path, header, body)


@pytest.fixture(scope="module")
def two_waves(registry_db, registry_file, tmp_path_factory):
    """2016 from a file naming its wave, 2024 from a file that does not (its wave read from its dates); the
    response ids of 2024 start again at R00001."""
    rows = built.build(registry_file)
    folder = tmp_path_factory.mktemp("vagues")
    db = folder / "vagues.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    first = import_file(con, _file(folder / "usagers_2016.csv", [r for r in rows if r["vague"] == "2016"], True),
                        "usagers")
    second = import_file(con, _file(folder / "usagers_2024.csv", [r for r in rows if r["vague"] == "2024"], False),
                         "usagers")
    yield con, db, rows, (first, second)
    con.close()


def test_each_file_s_answers_are_a_wave_and_ids_do_not_collide_across_waves(two_waves):
    con, _, rows, (first, second) = two_waves
    assert first.vague is None  # the file names its wave
    assert second.vague == ("2024", "année des réponses") and second.lignes_remplacees == 0
    assert "Vague d'enquête « 2024 » (année des réponses)" in second.message()
    listed = waves(con, "usagers")
    assert list(listed["vague"]) == ["2024", "2016"]  # latest first
    assert list(listed["n"]) == [sum(r["vague"] == w for r in rows) for w in ("2024", "2016")]
    assert wave_pair(con, "usagers") == ("2016", "2024")


@pytest.mark.parametrize("scope", ["ensemble", "domaine"])
def test_each_wave_s_figures_equal_r_on_that_wave_s_design(two_waves, scope):
    con, *_ = two_waves
    base = Filters(regions=(REFERENCE["region"],)) if scope == "domaine" else Filters()
    for side, wave in (("de", "2016"), ("a", "2024")):
        got = shares(con, "usagers", ITEMS, Filters(**{**base.__dict__, "vague": wave})).set_index("item")
        for item, ref in REFERENCE[scope].items():
            row = got.loc[item]
            assert row["n"] == ref[side]["n"]
            if scope == "ensemble":
                assert row["pct"] == pytest.approx(ref[side]["pct"], abs=0.05)
                assert [row["ic_bas"], row["ic_haut"]] == pytest.approx(ref[side]["ic95"], abs=0.1), (wave, item)


def test_the_latest_wave_by_default_pooling_only_when_asked(two_waves):
    con, *_ = two_waves
    latest = shares(con, "usagers", ITEMS, Filters()).set_index("item")
    for item, ref in REFERENCE["ensemble"].items():
        assert latest.loc[item, "pct"] == pytest.approx(ref["a"]["pct"], abs=0.05)
        assert latest.loc[item, "n"] == ref["a"]["n"]
    assert survey_indicators(con, "usagers", Filters())["vague"] == "2024"
    pooled = shares(con, "usagers", ITEMS, Filters(vague=ALL_WAVES)).set_index("item")
    for item, ref in REFERENCE["ensemble"].items():
        assert pooled.loc[item, "n"] == ref["de"]["n"] + ref["a"]["n"]
    assert survey_indicators(con, "usagers", Filters(vague=ALL_WAVES))["vague"] is None


@pytest.mark.parametrize("scope", ["ensemble", "domaine"])
def test_the_change_between_waves_equals_r_svyglm_with_maisons_across_waves(two_waves, scope):
    con, *_ = two_waves
    f = Filters(regions=(REFERENCE["region"],)) if scope == "domaine" else Filters()
    got = change(con, "usagers", ITEMS, f, "2016", "2024").set_index("item")
    compared = 0
    for item, ref in REFERENCE[scope].items():
        row, ref = got.loc[item], ref["change"]
        assert row["ddl"] == ref["ddl"]
        if row[["de_pct", "a_pct"]].isna().any():  # a wave too small here: no change given
            assert row[["ecart", "p_valeur"]].isna().all()
            continue
        assert row["ecart"] == pytest.approx(ref["ecart"], abs=0.05)
        assert [row["ic_bas"], row["ic_haut"]] == pytest.approx(ref["ic95"], abs=0.1)
        assert row["p_valeur"] == pytest.approx(ref["p"], abs=0.005)
        compared += 1
    assert compared == 3 if scope == "ensemble" else compared >= 1  # a région: one figure too small in a wave
    if scope == "ensemble":  # the true change is found, Holm across the three figures; the others are not
        assert list(got["ecart_significatif"]) == [True, False, False]


def test_evolution_on_the_command_line(two_waves, tmp_path):
    con, db, *_ = two_waves
    con.execute("CHECKPOINT")
    copy = tmp_path / "v.duckdb"
    shutil.copy(db, copy)
    run = cli("evolution", "--kind", "usagers", "--json", "--db", str(copy))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["de"] == "2016" and out["a"] == "2024"
    figure = out["indicateurs"]["motifs.aide_dossier"]
    ref = REFERENCE["ensemble"]["motif_aide_dossier"]
    assert figure["ecart"] == pytest.approx(ref["change"]["ecart"], abs=0.05)
    assert figure["de"]["pct"] == pytest.approx(ref["de"]["pct"], abs=0.05)
    assert figure["significatif"] is True
    run = cli("indicators", "--vague", "2016", "--db", str(copy))
    assert json.loads(run.stdout)["usagers"]["vague"] == "2016"


def test_the_pages_say_the_wave_and_change_it_from_the_sidebar_and_the_url(two_waves, tmp_path, monkeypatch):
    from tests.ui.test_pages import app, htmls, ok

    con, db, *_ = two_waves
    con.execute("CHECKPOINT")
    copy = tmp_path / "pages.duckdb"
    shutil.copy(db, copy)

    def shown(at) -> str:
        return htmls(at) + "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)

    at = app(copy, monkeypatch)
    at.switch_page("pages/motifs.py").run()
    ok(at)
    wave = at.selectbox(key="f_vague")
    assert wave.options == ["La plus récente de chaque enquête", "2024", "2016", "Toutes, regroupées"]
    assert "vague 2024" in shown(at) and "vague 2016" not in shown(at)
    wave.set_value("2016").run()
    ok(at)
    assert "vague 2016" in shown(at) and at.query_params["vague"] == "2016"
    at.selectbox(key="f_vague").set_value("toutes").run()
    assert "toutes les vagues regroupées" in shown(at)
    linked = app(copy, monkeypatch, vague="2016")  # a shared link keeps its wave
    linked.switch_page("pages/motifs.py").run()
    assert "vague 2016" in shown(linked)


def test_the_import_page_says_the_wave_found_and_takes_the_one_given(registry_copy, registry_file, monkeypatch,
                                                                    tmp_path):
    from tests.ui.test_import_page import button, drop
    from tests.ui.test_pages import app, ok

    rows = [r for r in built.build(registry_file) if r["vague"] == "2024"]
    at = app(registry_copy, monkeypatch)
    at.switch_page("pages/importer.py").run()
    at.selectbox(key="imp_kind").set_value("usagers").run()
    drop(at, _file(tmp_path / "usagers.csv", rows, False))
    field = next(t for t in at.text_input if t.label == "Vague d'enquête de ces réponses")
    assert field.value == "2024" and any("année des réponses" in c.value for c in at.caption)
    field.set_value("Baromètre 2024").run()
    button(at, "Importer").click().run()
    ok(at)
    con = store.connect(registry_copy, read_only=True)
    try:
        assert con.execute("SELECT DISTINCT vague FROM usagers_actifs").fetchall() == [("Baromètre 2024",)]
    finally:
        con.close()


def test_a_store_made_before_waves_labels_each_import_s_answers_by_their_year(two_waves, tmp_path):
    con, db, rows, _ = two_waves
    con.execute("CHECKPOINT")
    old = tmp_path / "ancienne.duckdb"
    shutil.copy(db, old)
    legacy = store.connect(old)
    legacy.execute("DROP VIEW IF EXISTS usagers_actifs")
    legacy.execute("ALTER TABLE usagers DROP COLUMN vague")
    legacy.execute("DELETE FROM meta WHERE cle = 'schema'")
    legacy.close()
    upgraded = store.connect(old)
    try:
        got = dict(upgraded.execute("SELECT vague, count(*) FROM usagers_actifs GROUP BY 1").fetchall())
    finally:
        upgraded.close()
    assert got == {w: sum(r["vague"] == w for r in rows) for w in ("2016", "2024")}


def test_a_wave_is_named_from_the_dates_when_the_file_does_not_name_it(registry_copy, registry_file, tmp_path):
    """Another région's file of the same survey joins its wave; a survey months apart in the same year is
    named by its month; a name given at the import is kept."""
    from msap_stats.intake.profiles import Choices

    rows = [r for r in built.build(registry_file) if r["vague"] == "2016"][:40]

    def at(day: str, name: str, **kw):
        dated = [{**r, "date_reponse": day} for r in rows]
        return import_file(con, _file(tmp_path / name, dated, False), "usagers", **kw).vague

    con = store.connect(registry_copy)
    try:
        assert at("2016-11-08", "a.csv") == ("2016", "année des réponses")
        assert at("2016-12-01", "b.csv", replace=True)[0] == "2016"  # the same answers again: the same wave
        assert at("2016-03-15", "c.csv") == ("mars 2016", "l'année 2016 a déjà une autre vague : mois des réponses")
        assert at("2016-03-20", "d.csv", choices=Choices(vague="Pilote"))[0] == "Pilote"
    finally:
        con.close()


def test_the_key_figures_say_their_wave(two_waves):
    from msap_stats.charts import overview

    con, *_ = two_waves
    details = [k.detail for k in overview.key_figures(con, Filters()) if k.page in ("satisfaction", "motifs")]
    assert details and all(d.endswith("; vague 2024") for d in details if d.startswith("n ="))
    pooled = [k.detail for k in overview.key_figures(con, Filters(vague=ALL_WAVES)) if k.detail.startswith("n =")]
    assert pooled and all(d.endswith("; toutes vagues") for d in pooled if "usager" in d)
