"""A stratified survey with a finite-population correction: the figures and intervals of R's
``svydesign(ids = ~id_maison, strata = ~strate, fpc = ~fpc, weights = ~poids)`` (a stratum of one Maison as
``survey.lonely.psu = "adjust"``), on the whole survey and on a région; without the columns, the unstratified
design as before (tests/reference/strata.*)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from msap_stats import store
from msap_stats.indicators import Filters, shares
from msap_stats.intake.importer import import_file
from tests.reference import strata as built
from tests.spreadsheets import write_csv_fr

REFERENCE = json.loads((Path(__file__).parent.parent / "reference" / "strata.json").read_text("utf-8"))
ITEMS = {item: (item, item) for item in built.ITEMS}


def _store(registry_db, registry_file, folder: Path, with_design: bool | str):
    """``with_design``: strata and their populations (True), none (False), or the population alone ("fpc")."""
    rows = built.build(registry_file)
    yes_no = {1: "Oui", 0: "Non", None: None}
    design = {True: ["strate", "fpc"], False: [], "fpc": ["fpc_total"]}[with_design]
    header = ["id_reponse", "date_reponse", "id_maison", "poids", *("fpc" if d == "fpc_total" else d for d in design),
              *built.ITEMS, "motif_outils_libre_acces", "motif_demarche_en_ligne", "satisfaction_accueil"]
    body = [[r["id_reponse"], dt.date(2017, 3, 6), r["id_maison"], r["poids"], *(r[d] for d in design),
             *(yes_no[r[i]] for i in built.ITEMS), "Non", "Non", "Très satisfait"] for r in rows]
    db = folder / "s.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, write_csv_fr(folder / "usagers.csv", header, body), "usagers")
    return con


@pytest.fixture(scope="module")
def stratified(registry_db, registry_file, tmp_path_factory):
    con = _store(registry_db, registry_file, tmp_path_factory.mktemp("strates"), True)
    yield con
    con.close()


@pytest.mark.parametrize("part, f", [("strates", Filters()), ("domaine", Filters(regions=("84",)))])
def test_a_stratified_sample_equals_r(stratified, part, f):
    got = shares(stratified, "usagers", ITEMS, f).set_index("item")
    for item, ref in REFERENCE[part].items():
        row = got.loc[item]
        assert row["n"] == ref["n"]
        assert row["pct"] == pytest.approx(ref["pct"], abs=0.05)
        assert [row["ic_bas"], row["ic_haut"]] == pytest.approx(ref["ic95"], abs=0.1), (part, item)


def test_without_its_strata_the_same_answers_are_the_unstratified_design(registry_db, registry_file, tmp_path):
    con = _store(registry_db, registry_file, tmp_path, False)
    try:
        got = shares(con, "usagers", ITEMS, Filters()).set_index("item")
    finally:
        con.close()
    for item, ref in REFERENCE["sans_strates"].items():
        assert [got.loc[item, "ic_bas"], got.loc[item, "ic_haut"]] == pytest.approx(ref["ic95"], abs=0.1)
        stratified = REFERENCE["strates"][item]["ic95"]
        assert stratified[1] - stratified[0] < ref["ic95"][1] - ref["ic95"][0]  # strata narrow the interval


def test_a_finite_population_alone_equals_r_and_narrows_the_interval(registry_db, registry_file, tmp_path):
    con = _store(registry_db, registry_file, tmp_path, "fpc")
    try:
        got = shares(con, "usagers", ITEMS, Filters()).set_index("item")
    finally:
        con.close()
    for item, ref in REFERENCE["fpc_seule"].items():
        assert got.loc[item, "pct"] == pytest.approx(ref["pct"], abs=0.05)
        assert [got.loc[item, "ic_bas"], got.loc[item, "ic_haut"]] == pytest.approx(ref["ic95"], abs=0.1), item
        plain = REFERENCE["sans_strates"][item]["ic95"]
        assert ref["ic95"][1] - ref["ic95"][0] < plain[1] - plain[0]


def test_a_survey_without_weights_is_said_unweighted(registry_db, registry_file, tmp_path):
    from msap_stats import charts

    rows = built.build(registry_file)
    header = ["id_reponse", "date_reponse", "id_maison", *built.ITEMS, "motif_outils_libre_acces",
              "motif_demarche_en_ligne", "satisfaction_accueil"]
    yes_no = {1: "Oui", 0: "Non", None: None}
    body = [[r["id_reponse"], dt.date(2017, 3, 6), r["id_maison"], *(yes_no[r[i]] for i in built.ITEMS), "Non", "Non",
             "Très satisfait"] for r in rows]
    db = tmp_path / "np.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    try:
        import_file(con, write_csv_fr(tmp_path / "usagers.csv", header, body), "usagers")
        assert not shares(con, "usagers", ITEMS, Filters())["pondere"].any()
        assert ", non pondéré ;" in charts.satisfaction.satisfaction_accueil(con, Filters()).base
        assert ", non pondéré ;" in charts.motifs.motifs_usagers(con, Filters()).base
    finally:
        con.close()
    weighted = tmp_path / "poids"
    weighted.mkdir()
    con = _store(registry_db, registry_file, weighted, True)
    try:
        assert ", pondéré (poids du fichier) ;" in charts.satisfaction.satisfaction_accueil(con, Filters()).base
    finally:
        con.close()
