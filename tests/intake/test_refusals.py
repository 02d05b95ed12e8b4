"""Every refusal says what is wrong in French, and leaves the store byte-for-byte the same."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile

import pytest

from msap_stats import store
from msap_stats.errors import ImportRefused
from msap_stats.intake.importer import import_file
from tests.conftest import ROOT, store_digest
from tests.spreadsheets import write_csv_fr, write_xlsx

ACT_HEADER = ["id_maison", "date", "thematique", "type_accompagnement", "nb"]


def activity(rows):
    return ACT_HEADER, rows


def usagers(rows, header=None):
    header = header or ["id_reponse", "date_reponse", "id_maison", "motif_aide_dossier", "motif_renseignement",
                        "motif_outils_libre_acces", "motif_demarche_en_ligne", "satisfaction_accueil",
                        "simplifie_quotidien"]
    return header, rows


def _u(i, maison="1", date=dt.date(2016, 11, 3)):
    return [f"R{i}", date, maison, "Oui", "Non", "Non", "Non", "Très satisfait", "Oui"]


def _xlsx(header_rows):
    def make(path):
        header, rows = header_rows
        return write_xlsx(path / "fichier.xlsx", header, rows)
    return make


def _bytes(data: bytes, name: str):
    def make(path):
        p = path / name
        p.write_bytes(data)
        return p
    return make


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "pas un classeur")
        z.writestr("photos/img.jpg", b"\xff\xd8\xff" + b"0" * 100)
    return buf.getvalue()


CASES = {
    # name: (kind, file maker, words expected in the French report)
    "missing column": ("usagers", _xlsx(usagers([_u(1)[:7] + _u(1)[8:]], header=[
        "id_reponse", "date_reponse", "id_maison", "motif_aide_dossier", "motif_renseignement",
        "motif_outils_libre_acces", "motif_demarche_en_ligne", "simplifie_quotidien"])),
        ["colonne obligatoire", "satisfaction_accueil", "absente"]),
    "unknown code": ("activite", _xlsx(activity([["1", dt.date(2016, 1, 4), "Emploi, formation", "Information", 2],
                                                 ["1", dt.date(2016, 1, 5), "Emplois divers", "Information", 1]])),
                     ["Ligne 3", "thematique", "Emplois divers", "valeur inconnue", "Emploi, formation"]),
    "negative count": ("activite", _xlsx(activity([["1", dt.date(2016, 1, 4), "emploi", "information", -3]])),
                       ["Ligne 2", "nb", "-3", "supérieur ou égal à 1"]),
    "fractional count": ("activite", _xlsx(activity([["1", dt.date(2016, 1, 4), "emploi", "information", 2.5]])),
                         ["Ligne 2", "nb", "nombre entier attendu"]),
    "impossible date": ("usagers", lambda p: write_csv_fr(p / "u.csv", *usagers([_u(1), _u(2, date="31/02/2016")])),
                        ["Ligne 3", "date_reponse", "31/02/2016", "date illisible ou impossible"]),
    "duplicate id": ("usagers", _xlsx(usagers([_u(1), _u(2), _u(1)])),
                     ["Ligne 4", "id_reponse", "R1", "en double", "déjà ligne 2"]),
    "unknown maison": ("usagers", _xlsx(usagers([_u(1), _u(2, maison="999999")])),
                       ["Ligne 3", "id_maison", "999999", "Maison inconnue du registre"]),
    "empty file": ("usagers", _bytes(b"", "vide.csv"), ["le fichier est vide"]),
    "header only": ("activite", _xlsx(activity([])), ["aucune ligne de données"]),
    "not a spreadsheet": ("activite", _bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "activite.xlsx"),
                          ["image PNG", "pas un tableur"]),
    "binary junk": ("activite", _bytes(bytes(range(256)) * 40, "activite.csv"), ["pas un tableur"]),
    "zip not a workbook": ("maisons", _bytes(_zip_without_workbook(), "registre.xlsx"),
                           ["archive ZIP", "pas de classeur"]),
    "truncated workbook": ("maisons", lambda p: _bytes(write_xlsx(p / "t.xlsx", ["id_maison"], [["1"]]).read_bytes()[:900],
                                                       "coupé.xlsx")(p), ["ZIP endommagée"]),
    "no recognisable header": ("activite", _xlsx(([ "a", "b", "c"], [[1, 2, 3]])), ["aucune ligne d'en-tête reconnue"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_a_french_report_and_store_unchanged(case, registry_copy, tmp_path):
    kind, make, words = CASES[case]
    path = make(tmp_path)
    before = store_digest(registry_copy)
    con = store.connect(registry_copy)
    with pytest.raises(ImportRefused) as refused:
        import_file(con, path, kind)
    n_imports = con.execute("SELECT count(*) FROM imports").fetchall()[0][0]
    con.close()
    report = str(refused.value)
    assert report.startswith(f"Le fichier « {path.name} » est refusé")
    assert "rien n'a été enregistré" in report
    for word in words:
        assert word in report, f"{word!r} missing from:\n{report}"
    assert n_imports == 1  # the registry only
    assert store_digest(registry_copy) == before


def test_command_line_refusal_exit_1_french_stderr_no_traceback(registry_copy, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", *activity([["1", "le 4 janvier", "emploi", "information", 1]]))
    before = store_digest(registry_copy)
    run = subprocess.run([sys.executable, "-m", "msap_stats", "import", str(path), "--kind", "activite",
                          "--db", str(registry_copy)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "Ligne 2, colonne « date », valeur « le 4 janvier » : date illisible" in run.stderr
    assert run.stdout == ""
    assert store_digest(registry_copy) == before
