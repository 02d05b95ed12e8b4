"""The registry in versions, on the real national lists of 2020, 2022 and 2024: a list is the network at its date,
never added to another; an older list is a past version; a regional list updates its départements only."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import pytest

from msap_stats import store
from msap_stats.indicators import Filters, activity_by, maisons_summary
from msap_stats.intake import assistant
from msap_stats.intake.importer import import_file, rollback
from msap_stats.intake.profiles import Choices
from msap_stats.intake.versions import date_in_name
from tests.conftest import SHARED
from tests.spreadsheets import write_csv_fr
from tests.test_cli import cli

L2020 = SHARED / "anct-carto-france-services-20200109.csv"
L2022 = SHARED / "liste-fs-20221201.csv"
L2024 = SHARED / "liste-fs-20240801.csv"


def rows_of(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ids_of(path, column="id_fs") -> set[str]:
    return {r[column] for r in rows_of(path)}


@pytest.fixture
def con(tmp_path):
    if not (L2022.exists() and L2024.exists() and L2020.exists()):
        pytest.skip("listes nationales absentes de ../shared/data")
    c = store.connect(tmp_path / "versions.duckdb")
    yield c
    c.close()


def network(con, **kw) -> int:
    return maisons_summary(con, Filters(**kw))["total"]


def load(con, path, **kw):
    return import_file(con, path, "maisons", accept_suggestions=True, **kw)


def test_an_older_list_dropped_on_the_current_one_is_a_past_version(con):
    load(con, L2024)
    result = load(con, L2020)
    assert "antérieure au réseau en vigueur" in result.message() and "09/01/2020" in result.message()
    assert network(con) == len(rows_of(L2024))  # not 2 845 + the 2020 list
    assert store.row_counts(con)["maisons"] == len(rows_of(L2024))
    # The past network is still there, at its date.
    assert network(con, date_reseau="2020-06-01") == result.lignes_chargees
    assert network(con, date_reseau="2019-12-31") == 0
    assert network(con, date_reseau="2024-08-01") == len(rows_of(L2024))


def test_a_newer_list_replaces_the_network_whole_and_says_what_leaves(con):
    load(con, L2022)
    first = network(con)
    preview = assistant.inspect(con, L2024.read_bytes(), L2024.name, "maisons", accept_suggestions=True).version
    result = load(con, L2024)
    old, new = ids_of(L2022), ids_of(L2024)
    assert first == len(old) and network(con) == len(new)  # not the 3 047 of the two lists pooled
    assert result.version == preview.text() and "devient le réseau en vigueur" in result.version
    # Followed by identifier, and by name and commune where the identifier changed: the counts add up to the lists.
    assert preview.par_identifiant == len(old & new)
    assert preview.par_identifiant + preview.par_nom + preview.nouveaux == len(new)
    assert preview.par_identifiant + preview.par_nom + preview.fermes == len(old)
    assert 0 < preview.par_nom < len(old - new)  # some of the sites gone by identifier came back under another
    assert f"{preview.fermes} sites du réseau en vigueur n'y figurent plus" in result.version
    # The closed sites leave the network in force but stay known, with their activity.
    closed = sorted(old - new)[0]
    assert con.execute("SELECT count(*) FROM maisons_v WHERE id_maison = ?", [closed]).fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM sites WHERE id_maison = ?", [closed]).fetchall()[0][0] == 1


def _sites_as_defined(con) -> bool:
    """The table of sites is exactly what its definition gives now, row for row."""
    def rows(source):
        return con.execute(f"SELECT * FROM {source} ORDER BY id_maison").fetchall()
    return rows("sites") == rows("sites_calcules")


def test_the_sites_follow_every_write_of_the_registry(con, tmp_path):
    """Each write that changes the registry (a list, an older one, a regional one, a rollback) leaves the sites as
    the versions in force give them, in the write itself: an answer or a request is placed by them."""
    assert con.execute("SELECT count(*) FROM sites").fetchall()[0][0] == 0 and _sites_as_defined(con)
    load(con, L2022)
    assert con.execute("SELECT count(*) FROM sites").fetchall()[0][0] == len(rows_of(L2022)) and _sites_as_defined(con)
    newer = load(con, L2024)
    assert _sites_as_defined(con)
    load(con, L2020)
    assert _sites_as_defined(con)
    rows = [r for r in rows_of(L2024) if r["insee_dep"] == "23"][:2]
    moved = {**rows[0], "lib_fs": "France services de la Mairie"}  # a regional list, later, renames a site
    regional = load(con, write_csv_fr(tmp_path / "creuse.csv", list(moved), [list(moved.values()), list(rows[1].values())]),
                    choices=Choices(date_version="2025-01-01"))
    assert regional.lignes_chargees == 2 and _sites_as_defined(con)
    written = con.execute("SELECT nom FROM sites WHERE id_maison = ?", [moved["id_fs"]]).fetchall()[0][0]
    assert written == "France services de la Mairie"
    before = con.execute("SELECT count(*) FROM sites").fetchall()[0][0]
    rollback(con, newer.import_id)
    assert _sites_as_defined(con) and con.execute("SELECT count(*) FROM sites").fetchall()[0][0] < before
    rollback(con, regional.import_id)
    assert _sites_as_defined(con)
    assert con.execute("SELECT nom FROM sites WHERE id_maison = ?", [moved["id_fs"]]).fetchall() != [(written,)]


def test_activity_of_a_site_closed_since_keeps_its_place(con, tmp_path):
    load(con, L2022)
    closed = sorted(ids_of(L2022) - ids_of(L2024))[0]
    dep = next(r["insee_dep"] for r in rows_of(L2022) if r["id_fs"] == closed)
    path = write_csv_fr(tmp_path / "activite.csv", ["id_maison", "mois", "thematique", "nb"],
                        [[closed, "2023-01", "emploi", 7]])
    import_file(con, path, "activite")
    load(con, L2024)
    by_dep = activity_by(con, Filters(departements=(dep,)), "code_departement")
    assert by_dep["n"].sum() == 7
    # And a file of that site's past months is still accepted after the newer list.
    path2 = write_csv_fr(tmp_path / "activite2.csv", ["id_maison", "mois", "thematique", "nb"],
                         [[closed, "2023-02", "emploi", 3]])
    assert import_file(con, path2, "activite").lignes_chargees == 1


def test_a_regional_list_updates_its_departements_only(con, tmp_path):
    load(con, L2024)
    rows = [r for r in rows_of(L2024) if r["insee_dep"] in ("19", "23")]
    dropped = rows.pop()  # one site of the two départements has closed
    header = list(rows[0])
    path = write_csv_fr(tmp_path / "limousin-20250301.csv", header, [[r[h] for h in header] for r in rows])
    result = load(con, path)
    text = result.message()
    assert "liste régionale" in text and "19, 23" in text and "1 site du réseau en vigueur" in text
    assert network(con) == len(rows_of(L2024)) - 1
    assert network(con, departements=("19", "23")) == len(rows)
    assert network(con, departements=("87",)) == sum(r["insee_dep"] == "87" for r in rows_of(L2024))
    assert con.execute("SELECT count(*) FROM maisons_v WHERE id_maison = ?", [dropped["id_fs"]]).fetchall()[0][0] == 0
    # Rolled back, the national list is in force again in those départements.
    rollback(con, result.import_id)
    assert network(con) == len(rows_of(L2024))


def test_the_date_given_wins_over_the_file_name_and_a_file_without_date_is_dated_by_its_labellings(con, tmp_path):
    rows = [r for r in rows_of(L2024) if r["insee_dep"] == "01"]
    header = list(rows[0])
    path = write_csv_fr(tmp_path / "liste-ain.csv", header, [[r[h] for h in header] for r in rows])
    insp = assistant.inspect(con, path.read_bytes(), path.name, "maisons", accept_suggestions=True)
    labelled = max(dt.datetime.strptime(r["labellisation_fs"][-10:], "%d/%m/%Y").date() for r in rows
                   if r["labellisation_fs"][-10:-4].count("/") == 2)
    assert insp.version.date == labelled and "labellisation" in insp.version.source
    given = assistant.inspect(con, path.read_bytes(), path.name, "maisons", accept_suggestions=True,
                              choices=Choices(date_version="2021-03-15"))
    assert given.version.date == dt.date(2021, 3, 15) and "donnée" in given.version.source


@pytest.mark.parametrize("name, expected", [
    ("liste-fs-20240801.csv", dt.date(2024, 8, 1)), ("anct-carto-france-services-20200109.csv", dt.date(2020, 1, 9)),
    ("France services 2023-05-02.xlsx", dt.date(2023, 5, 2)), ("export_15.03.2022.xlsx", dt.date(2022, 3, 15)),
    ("registre_2022_12_01.csv", dt.date(2022, 12, 1)), ("liste 123456789.csv", None), ("liste-20241301.csv", None),
    ("registre-MSAP-0199.xlsx", None)])
def test_a_date_is_read_in_a_file_name_only_when_it_is_one(name, expected):
    assert date_in_name(name) == expected


def test_command_line_dates_a_version_and_gives_the_network_at_a_date(con, tmp_path):
    db = tmp_path / "cli.duckdb"
    con.close()
    renamed = tmp_path / "liste.csv"
    shutil.copy(L2022, renamed)  # no date in its name: the one given
    for path, extra in ((L2024, []), (renamed, ["--date", "2022-12-01"])):
        run = cli("import", str(path), "--kind", "maisons", "--db", str(db), "--accept-suggestions", *extra)
        assert run.returncode == 0, run.stderr
    assert "01/12/2022 (date donnée à l'import)" in run.stdout and "version passée" in run.stdout
    now = json.loads(cli("indicators", "--db", str(db)).stdout)
    then = json.loads(cli("indicators", "--db", str(db), "--date", "2023-06-30").stdout)
    assert now["maisons"]["total"] == len(rows_of(L2024)) and then["maisons"]["total"] == len(rows_of(L2022))
    assert now["registre"] == [{"fichier": L2024.name, "date": "2024-08-01", "perimetre": "national",
                                "maisons": len(rows_of(L2024))}]
    assert [v["date"] for v in then["registre"]] == ["2022-12-01"]
    bad = cli("indicators", "--db", str(db), "--date", "30/02/2023")
    assert bad.returncode == 2 and "illisible" in bad.stderr


def test_a_store_made_before_versions_keeps_its_network(con, tmp_path):
    """Registry imports of an older store are dated by their import and cover what they list: a small list added to
    the national one does not become the whole network on the upgrade."""
    load(con, L2024)
    rows = [r for r in rows_of(L2024) if r["insee_dep"] == "23"]
    header = list(rows[0])
    load(con, write_csv_fr(tmp_path / "creuse.csv", header, [[r[h] for h in header] for r in rows[:2]]),
         choices=Choices(date_version="2024-08-01"))
    con.execute("UPDATE imports SET date_version = NULL, perimetre = NULL")
    con.execute("UPDATE meta SET valeur = 'avant' WHERE cle = 'schema'")
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    con.close()
    upgraded = store.connect(path)
    try:
        assert upgraded.execute("SELECT perimetre FROM imports ORDER BY import_id").fetchall() == [(None,), (["23"],)]
        assert network(upgraded) == len(rows_of(L2024)) - len(rows) + 2
    finally:
        upgraded.close()


def test_the_sources_named_are_the_versions_in_force(con):
    from msap_stats.store import loaded_files
    load(con, L2024)
    load(con, L2020)
    assert loaded_files(con, "maisons") == [L2024.name]


def network_rows(con) -> list:
    return con.execute("SELECT id_maison, nom, code_departement, heures_hebdo FROM maisons_v ORDER BY 1").fetchall()


@pytest.mark.parametrize("order", [(L2024, L2020, L2022), (L2022, L2024, L2020)])  # in order: the other tests
def test_the_network_in_force_does_not_depend_on_the_order_lists_are_imported_in(tmp_path, order, registry_con):
    if not all(p.exists() for p in order):
        pytest.skip("listes nationales absentes")
    expected = network_rows(registry_con)  # the 2024 list alone
    con = store.connect(tmp_path / "ordre.duckdb")
    try:
        for path in order:
            load(con, path)
        assert network_rows(con) == expected
        assert network(con, date_reseau="2023-01-01") == len(rows_of(L2022))
    finally:
        con.close()


def test_one_list_dated_four_ways_is_the_same_version(con, tmp_path):
    """Its file name in two writings, a date column, the date given: the same date, the same network."""
    rows = [r for r in rows_of(L2024) if r["insee_dep"] in ("19", "23", "87")]
    header = list(rows[0])
    body = [[r[h] for h in header] for r in rows]
    ways = [(write_csv_fr(tmp_path / "limousin-20250301.csv", header, body), None),
            (write_csv_fr(tmp_path / "limousin 01.03.2025.csv", header, body), None),
            (write_csv_fr(tmp_path / "limousin-a.csv", header + ["Date de mise à jour"],
                          [b + ["01/03/2025"] for b in body]), None),
            (write_csv_fr(tmp_path / "limousin-b.csv", header, body), "01/03/2025")]
    seen = set()
    for path, given in ways:
        insp = assistant.inspect(con, path.read_bytes(), path.name, "maisons", accept_suggestions=True,
                                 choices=Choices(date_version=given) if given else None)
        seen.add((insp.version.date, tuple(insp.version.perimetre), insp.version.sites))
    assert seen == {(dt.date(2025, 3, 1), ("19", "23", "87"), len(rows))}
