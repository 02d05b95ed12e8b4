"""The activity summary every activity query reads, checked against the detail table after each kind of write:
an import, an import replacing Maison × month pairs, its rollback, a list that moves a Maison, that list's rollback."""

from __future__ import annotations

import csv
import random

import pytest

from msap_stats import indicators as ind
from msap_stats import store
from msap_stats.indicators import Filters
from msap_stats.intake.assistant import Choices
from msap_stats.intake.importer import import_file, rollback
from tests.spreadsheets import write_csv_fr


COLUMNS = ("id_maison", *store.SUMMARY_CARRIED, "mois")


def summary_from_detail(con) -> dict[tuple, int]:
    """What the summary must hold: the requests in force summed at each grain, per Maison with the Maisons'
    attributes as the registry in force gives them, and per département."""
    out: dict[tuple, int] = {}
    for level, cols in store.SUMMARY_LEVELS.items():
        held = "".join(f"a.{store.q(c)}, " for c in cols)
        for row in con.execute(f"SELECT a.id_maison, s.code_region, s.code_departement, s.format, "
                               f"s.structure_porteuse, a.mois, {held}sum(a.nb) FROM activite_actifs a "
                               f"LEFT JOIN sites s USING (id_maison) GROUP BY ALL").fetchall():
            out[(level, *row[:-1])] = int(row[-1])
        for row in con.execute(f"SELECT NULL, s.code_region, s.code_departement, NULL, NULL, a.mois, {held}"
                               f"sum(a.nb) FROM activite_actifs a LEFT JOIN sites s USING (id_maison) "
                               f"GROUP BY ALL").fetchall():
            out[(level + store.PER_TERRITORY, *row[:-1])] = int(row[-1])
    return out


def summary_stored(con) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for level, cols in store.SUMMARY_LEVELS.items():
        held = ", ".join(store.q(c) for c in (*COLUMNS, *cols))
        for form in (level, level + store.PER_TERRITORY):
            for row in con.execute(f"SELECT {held}, nb FROM activite_resume WHERE niveau = {form}").fetchall():
                key = (form, *row[:-1])
                assert key not in out, f"deux lignes du résumé pour {key}"
                out[key] = int(row[-1])
    assert sum(out.values()) == con.execute("SELECT coalesce(sum(nb), 0) FROM activite_resume").fetchall()[0][0]
    return out


def assert_summary_true(con):
    expected = summary_from_detail(con)
    assert expected, "aucune demande : la comparaison ne dirait rien"
    assert summary_stored(con) == expected


def test_the_demo_summary_equals_its_detail(demo_con):
    assert_summary_true(demo_con)
    detail = dict(demo_con.execute("SELECT thematique, sum(nb) FROM activite_actifs a WHERE a.id_maison IN "
                                   "(SELECT id_maison FROM sites WHERE code_region = '76') GROUP BY 1").fetchall())
    by = ind.activity_by(demo_con, Filters(regions=("76",)), "thematique")
    assert dict(zip(by["code"], by["n"].astype(int))) == detail


def _activity(path, ids, months, seed):
    rng = random.Random(seed)
    rows = [[i, m, rng.choice(["emploi", "retraite", "sante", "fiscalite"]), rng.choice(["Femme", "Homme", ""]),
             rng.choice(["CAF", "CPAM", ""]), rng.randint(1, 9)]
            for i in ids for m in months for _ in range(3)]
    return write_csv_fr(path, ["id_maison", "mois", "thematique", "sexe", "operateur", "nb"], rows)


@pytest.fixture
def listed(registry_file):
    with open(registry_file, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_write_keeps_the_summary_equal_to_the_detail(con_registry, listed, tmp_path):
    con = con_registry
    ids = [r["id_fs"] for r in listed if r["insee_dep"] in ("48", "29")][:12]
    first = import_file(con, _activity(tmp_path / "a.csv", ids, ["2024-01", "2024-02", "2024-03"], 1), "activite")
    assert_summary_true(con)
    # a second file on some of the same Maison × month pairs, replacing them
    second = import_file(con, _activity(tmp_path / "b.csv", ids[:5], ["2024-03", "2024-04"], 2), "activite",
                         replace=True)
    assert second.lignes_remplacees > 0
    assert_summary_true(con)
    rollback(con, second.import_id)
    assert_summary_true(con)
    # a later list moves the first Maison to another département (and région)
    moved = ids[0]
    old_dep = con.execute("SELECT code_departement FROM activite_resume WHERE id_maison = ? LIMIT 1",
                          [moved]).fetchall()[0][0]
    new_dep = "74" if old_dep != "74" else "01"
    path = tmp_path / "liste.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(listed[0]))
        w.writeheader()
        w.writerows({**r, "insee_dep": new_dep} if r["id_fs"] == moved else r for r in listed)
    newer = import_file(con, path, "maisons", choices=Choices(date_version="2025-06-01"), accept_suggestions=True)
    assert con.execute("SELECT DISTINCT code_departement FROM activite_resume WHERE id_maison = ?",
                       [moved]).fetchall() == [(new_dep,)]
    assert_summary_true(con)
    on_new = ind.activity_total(con, Filters(departements=(new_dep,)))
    assert on_new == con.execute("SELECT sum(nb) FROM activite_actifs WHERE id_maison = ?", [moved]).fetchall()[0][0]
    rollback(con, newer.import_id)
    assert_summary_true(con)
    assert ind.activity_total(con, Filters(departements=(new_dep,))) == 0
    rollback(con, first.import_id)
    assert con.execute("SELECT count(*) FROM activite_resume").fetchall()[0][0] == 0


def test_a_store_made_before_the_summary_is_summed_at_opening(demo_db, tmp_path):
    path = tmp_path / "ancien.duckdb"
    path.write_bytes(demo_db.read_bytes())
    con = store.connect(path)
    con.execute("DROP TABLE activite_resume")
    con.execute("UPDATE meta SET valeur = 'ancien' WHERE cle = 'schema'")
    con.close()
    con = store.connect(path)
    assert_summary_true(con)
    con.close()
