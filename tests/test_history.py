"""The network's history on the real national lists of December 2022 and August 2024: the network at dates between
and after them, and the sites opened, closed and moved, checked against the lists read here with csv alone."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil

import pytest

from msap_stats import history, store
from msap_stats.indicators import Filters, maisons_summary
from msap_stats.intake.importer import import_file
from tests.conftest import SHARED
from tests.test_cli import cli

L2022 = SHARED / "liste-fs-20221201.csv"
L2024 = SHARED / "liste-fs-20240801.csv"


def rows_of(path) -> dict[str, dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return {r["id_fs"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def two_lists(registry_db, tmp_path_factory):
    """The session's store of the 2024 list, with the 2022 list imported as its past version."""
    if not L2022.exists():
        pytest.skip("liste de 2022 absente de ../shared/data")
    db = tmp_path_factory.mktemp("histoire") / "h.duckdb"
    shutil.copy(registry_db, db)
    con = store.connect(db)
    import_file(con, L2022, "maisons", accept_suggestions=True)
    con.execute("CHECKPOINT")
    yield con, db
    con.close()


def km(a: dict, b: dict) -> float:
    if not (a["latitude"] and b["latitude"]):
        return math.nan
    la1, lo1, la2, lo2 = (math.radians(float(v)) for v in (a["latitude"], a["longitude"], b["latitude"],
                                                            b["longitude"]))
    return 2 * 6371.0088 * math.asin(math.sqrt(math.sin((la2 - la1) / 2) ** 2
                                               + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2))


def test_the_network_at_a_date_is_the_list_in_force_then(two_lists):
    con, _ = two_lists
    old, new = rows_of(L2022), rows_of(L2024)
    for day, expected in (("2023-06-30", len(old)), ("2024-08-01", len(new)), ("2026-01-01", len(new))):
        assert maisons_summary(con, Filters(date_reseau=day))["total"] == expected
    assert history.default_dates(con) == (dt.date(2022, 12, 1), dt.date(2024, 8, 1))


def test_openings_closings_and_moves_between_the_two_lists(two_lists):
    con, _ = two_lists
    old, new = rows_of(L2022), rows_of(L2024)
    got = history.changes(con, dt.date(2022, 12, 1), dt.date(2024, 8, 1))
    assert (got["avant"], got["apres"]) == (len(old), len(new))
    assert got["listes_de"] == [L2022.name] and got["listes_a"] == [L2024.name]
    # Counted here from the two files: every site of 2024 is found again or opened, every site of 2022 found again
    # or closed; a site found again under another identifier keeps its commune in both files.
    found = len(new) - got["ouvertures"]
    assert len(old) - got["fermetures"] == found
    by_id = len(set(old) & set(new))
    assert found == by_id + got["identifiants_changes"]
    assert len(set(new) - set(old)) - got["identifiants_changes"] == got["ouvertures"]
    moved_by_id = sum(1 for i in set(old) & set(new)
                      if old[i]["insee_com"] != new[i]["insee_com"] or km(old[i], new[i]) > history.MOVED_KM)
    assert moved_by_id <= got["deplacements"] <= moved_by_id + got["identifiants_changes"]
    table = history.by_departement(got)
    assert table[["ouvertures", "fermetures", "deplacements"]].sum().tolist() == [
        got["ouvertures"], got["fermetures"], got["deplacements"]]
    lozere = table.set_index("code_departement").loc["48"]
    assert (lozere["avant"], lozere["apres"]) == (sum(r["insee_dep"] == "48" for r in old.values()),
                                                 sum(r["insee_dep"] == "48" for r in new.values()))
    assert got["ouvertures"] > 100 and got["fermetures"] > 0  # the network grew between 2022 and 2024


def test_evolution_of_the_network_on_the_command_line(two_lists, tmp_path):
    _, db = two_lists
    copy = tmp_path / "h.duckdb"
    shutil.copy(db, copy)
    run = cli("evolution", "--kind", "maisons", "--json", "--db", str(copy))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["de"], out["a"]) == ("2022-12-01", "2024-08-01")
    occitanie = json.loads(cli("evolution", "--kind", "maisons", "--region", "76", "--de", "2023-01-01",
                               "--a", "2024-08-01", "--db", str(copy)).stdout)
    assert occitanie["ouvertures"] <= out["ouvertures"]
    assert {r["code_departement"] for r in occitanie["par_departement"]} <= {
        "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}
    bad = cli("evolution", "--kind", "maisons", "--de", "hier", "--db", str(copy))
    assert bad.returncode == 1 and "date de la liste illisible" in bad.stderr and "Traceback" not in bad.stderr
