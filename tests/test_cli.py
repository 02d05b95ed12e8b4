"""The command line, run as a user runs it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter

from tests.conftest import ROOT, SHARED


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "msap_stats", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env)


def test_import_list_indicators_rollback(registry_file, tmp_path):
    db = tmp_path / "s.duckdb"
    first = cli("import", registry_file, "--kind", "maisons", "--db", db)
    assert first.returncode == 0, first.stderr
    assert "2\u202f845 ligne(s) chargée(s)" in first.stdout
    again = cli("import", registry_file, "--kind", "maisons", "--db", db)
    assert again.returncode == 0 and "déjà chargé" in again.stdout and "import n°1" in again.stdout

    listing = cli("imports", "--db", db)
    assert listing.returncode == 0
    assert listing.stdout.startswith("n°1\tmaisons\tchargé\t2845 lignes")

    # Indicators for one région, checked against the published list and the reference table.
    with open(SHARED / "departements.csv", encoding="utf-8") as f:
        region_of = {r["code_departement"]: r["code_region"] for r in csv.DictReader(f)}
    with open(registry_file, encoding="utf-8") as f:
        per_dep = Counter(r["insee_dep"] for r in csv.DictReader(f) if region_of.get(r["insee_dep"]) == "53")
    out = cli("indicators", "--db", db, "--region", "53")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["perimetre"] == {"regions": ["53"]}
    assert data["maisons"]["total"] == sum(per_dep.values())
    assert data["maisons"]["par_departement"] == dict(per_dep)
    assert data["usagers"]["n"] == 0 and data["usagers"]["tres_satisfait"]["pct"] is None
    assert data["usagers"]["tres_satisfait"]["raison"] == "effectif insuffisant"
    assert data["activite"]["demandes"] == 0

    undo = cli("rollback", "1", "--db", db)
    assert undo.returncode == 0 and "2\u202f845 ligne(s) retirée(s)" in undo.stdout
    after = json.loads(cli("indicators", "--db", db).stdout)
    assert after["maisons"]["total"] == 0


def test_demo_and_indicators_with_period(tmp_path):
    db = tmp_path / "d.duckdb"
    built = cli("demo", "--db", db, "--seed", "3")
    assert built.returncode == 0, built.stderr
    assert "démonstration" in built.stdout
    whole = json.loads(cli("indicators", "--db", db).stdout)
    q1 = json.loads(cli("indicators", "--db", db, "--debut", "2016-01", "--fin", "2016-03").stdout)
    assert whole["donnees_de_demonstration"] is True
    assert 0 < q1["activite"]["demandes"] < whole["activite"]["demandes"] / 3
    # The surveys were answered in autumn: the first quarter has none.
    assert q1["usagers"]["n"] == 0


def test_bad_commands_are_answered_in_french(tmp_path):
    bad_month = cli("indicators", "--db", tmp_path / "x.duckdb", "--debut", "2016-13")
    assert bad_month.returncode == 2 and "mois attendu au format AAAA-MM" in bad_month.stderr
    missing_db = cli("indicators", "--db", tmp_path / "absente.duckdb")
    assert missing_db.returncode == 1 and "n'existe pas" in missing_db.stderr and "Traceback" not in missing_db.stderr
    missing_file = cli("import", tmp_path / "nulle-part.xlsx", "--kind", "activite", "--db", tmp_path / "y.duckdb")
    assert missing_file.returncode == 1 and "introuvable" in missing_file.stderr
    no_rollback = cli("rollback", "7", "--db", tmp_path / "y.duckdb")
    assert no_rollback.returncode == 1 and "Aucun import n°7" in no_rollback.stderr


def test_a_reader_gone_away_stops_the_command_quietly():
    """« … | head »: the pipe closed before the output is written ends the command as the shell's own, without a
    traceback nor « Erreur interne »."""
    import os

    read, write = os.pipe()
    os.close(read)  # the reader has gone: every write meets a broken pipe
    done = subprocess.run([sys.executable, "-m", "msap_stats", "formats"], stdout=write, stderr=subprocess.PIPE,
                          text=True, cwd=ROOT)
    os.close(write)
    assert done.returncode == 141 and done.stderr == ""


def test_template_round_trip(tmp_path, registry_db):
    """A template written by the project, filled in by a user, imports."""
    import openpyxl

    out = tmp_path / "modele_activite.xlsx"
    assert cli("template", "activite", out).returncode == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Aide"
    ws = wb.worksheets[1]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["id_maison", "date", "mois", "thematique"]
    ws.append({1: "1", 3: "2016-05", 4: "Retraite", header.index("nb") + 1: 4})
    wb.save(out)
    import shutil
    db = tmp_path / "r.duckdb"
    shutil.copy(registry_db, db)
    run = cli("import", out, "--kind", "activite", "--db", db)
    assert run.returncode == 0, run.stderr
    data = json.loads(cli("indicators", "--db", db).stdout)
    assert data["activite"] == {"demandes": 4, "par_thematique": {"retraite": {"n": 4, "pct": 100.0}}}


def test_formats_documentation_is_generated_from_the_schema():
    run = cli("formats")
    assert run.returncode == 0
    assert (ROOT / "docs" / "formats.md").read_text(encoding="utf-8") == run.stdout, \
        "docs/formats.md is stale: python -m msap_stats formats > docs/formats.md"
    assert "`satisfaction_accueil`" in run.stdout and "tres_satisfait = Très satisfait" in run.stdout



def test_inspect_needs_no_store_and_creates_none(registry_file, tmp_path):
    db = tmp_path / "absente.duckdb"
    out = cli("inspect", registry_file, "--kind", "maisons", "--db", db)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Aucune base à cet endroit") and "Prêt à importer : 2\u202f845 ligne(s)" in out.stdout
    assert not db.exists() and not list(tmp_path.iterdir())
    as_json = cli("inspect", registry_file, "--kind", "maisons", "--db", db, "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["lignes_pretes"] == 2845


def test_inspect_json_says_a_refusal_in_json(tmp_path):
    garbage = tmp_path / "activite.xlsx"
    garbage.write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    out = cli("inspect", garbage, "--kind", "activite", "--db", tmp_path / "s.duckdb", "--json")
    assert out.returncode == 1
    said = json.loads(out.stdout)
    assert said["erreur"] and "Traceback" not in out.stdout + out.stderr
    folder = cli("inspect", tmp_path, "--kind", "activite", "--json")
    assert folder.returncode == 1 and "dossier" in json.loads(folder.stdout)["erreur"]


def test_a_maison_column_of_the_file_s_own_codes_is_mapped_and_kept_in_the_profile(registry_db, tmp_path):
    import shutil

    from tests.spreadsheets import write_csv_fr

    db = tmp_path / "s.duckdb"
    shutil.copy(registry_db, db)
    header = ["Maison", "Mois", "Thématique", "Nb"]

    def month(m):
        return write_csv_fr(tmp_path / f"suivi_{m}.csv", header, [
            ["MSAP de Ballon-Saint-Mars", f"2017-{m}", "Retraite", 3], ["MSAP-0199", f"2017-{m}", "Emploi", 2]])

    first = cli("inspect", month("01"), "--kind", "activite", "--db", db, "--json")
    proposed = {v["valeur"]: v["proposee"] for v in json.loads(first.stdout)["valeurs"]["id_maison"]}
    assert proposed == {"MSAP de Ballon-Saint-Mars": "2878", "MSAP-0199": None}
    refused = cli("import", month("01"), "--kind", "activite", "--db", db, "--accept-suggestions")
    assert refused.returncode == 1 and "Maison inconnue du registre" in refused.stderr and "MSAP-0199" in refused.stderr
    done = cli("import", month("01"), "--kind", "activite", "--db", db, "--accept-suggestions",
               "--valeur", "id_maison:MSAP-0199=1", "--save-profile", "Suivi mensuel")
    assert done.returncode == 0, done.stderr
    again = cli("import", month("02"), "--kind", "activite", "--db", db)  # the profile of the same headers
    assert again.returncode == 0, again.stderr
    from msap_stats import store

    con = store.connect(db, read_only=True)
    per_maison = dict(con.execute("SELECT id_maison, sum(nb) FROM activite_actifs GROUP BY 1").fetchall())
    con.close()
    assert per_maison == {"2878": 2 * 3, "1": 2 * 2}
    wrong = cli("import", month("03"), "--kind", "activite", "--db", db, "--valeur", "thematique:Emploi=travail")
    assert wrong.returncode == 1 and "n'est pas un code de « thematique »" in wrong.stderr
