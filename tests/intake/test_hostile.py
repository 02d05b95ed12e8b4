"""Hostile and broken files through the command line, as whole processes: each is refused in French, without a
traceback, in bounded time and memory, and the store keeps its bytes; what a file carries (escape codes, line
breaks in its name) never acts on the terminal or forges a line of the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from msap_stats import store
from msap_stats.bench import LAUNCHER
from tests.conftest import ROOT, store_digest
from tests.hostile import (bomb, declared_extent, far_cell, lying_shared_strings, repeated_ods, xls_declaring_rows,
                           xls_last_row, xls_sheet_beyond_its_end)
from tests.spreadsheets import write_csv_fr, write_xlsx

SECONDS = 60  # a refusal must come well before this; a hang (a FIFO read) fails the test
PEAK_MB = 700  # the lying bomb inflated to 1.15 GB and 4 GB of memory before the guard counted real bytes
SQL = "'; DROP TABLE activite; --"
ACT = ["id_maison", "date", "thematique", "nb"]


def cli(*args: str | Path, seconds: float = SECONDS) -> tuple[subprocess.CompletedProcess, float]:
    """Run the command line as a whole process; (completed process, its own peak resident memory in MB)."""
    run, _, peak = timed_cli(*args, seconds=seconds)
    return run, peak


def timed_cli(*args: str | Path, seconds: float = SECONDS) -> tuple[subprocess.CompletedProcess, float, float]:
    """(completed process, seconds, peak resident MB of the command and the reading processes it waited for)."""
    try:
        run = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, "-m", "msap_stats", *map(str, args)],
                             cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {seconds} s: {args}")
    out = run.stdout.decode("utf-8", "replace")
    out, _, measured = out.rstrip("\n").rpartition("\n") if "\n" in out.rstrip("\n") else ("", "", out)
    took, peak = measured.split()[-2:]
    return (subprocess.CompletedProcess(args, run.returncode, out + "\n" if out else "",
                                        run.stderr.decode("utf-8", "replace")), float(took), int(peak) / 1024)


def _fifo(p: Path) -> Path:
    os.mkfifo(p / "activite.csv")
    return p / "activite.csv"


def _utf16_odd(p: Path) -> Path:
    path = p / "activite.csv"
    path.write_bytes(";".join(ACT).encode("utf-16") + "\r\nM1;04/01/2016;emploi;1\r\n".encode("utf-16-le") + b"\x00")
    return path


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


CORPUS = {
    # name: (kind, maker, words of the French message)
    "honest bomb": ("maisons", lambda p: bomb(p / "registre.xlsx", "honest"), ["bombe de décompression"]),
    "lying bomb": ("maisons", lambda p: bomb(p / "registre.xlsx", "lying"), ["bombe de décompression"]),
    "dense bomb": ("maisons", lambda p: bomb(p / "registre.xlsx", "dense"), ["bombe de décompression"]),
    "device": ("activite", lambda p: Path("/dev/zero"), ["« zero » est un périphérique", "fichier ordinaire"]),
    "FIFO": ("activite", _fifo, ["est un tube (FIFO)"]),
    "directory": ("activite", lambda p: p, ["est un dossier"]),
    "UTF-16, odd length": ("activite", _utf16_odd, ["UTF-16 mais tronqué"]),
    "escape codes": ("activite", lambda p: write_csv_fr(p / "a.csv", ACT, [["1", "04/01/2016", "\x1b[2J\x1b[31mROUGE\x07", 1]]),
                     ["\\x1b[2J\\x1b[31mROUGE\\x07", "valeur inconnue"]),
    "SQL in every field and the sheet name": (
        "activite", lambda p: write_xlsx(p / f"{SQL[:10]}.xlsx", ACT, [[SQL, SQL, SQL, SQL]], sheet="'; DROP"),
        ["Maison inconnue", "DROP TABLE"]),
    "a header written twice": ("activite", lambda p: write_csv_fr(p / "a.csv", ["id_maison", "date", "thematique",
                                                                              "thematique", "nb"],
                                                                  [["1", "04/01/2016", "emploi", "social", 1]]),
                               ["deux colonnes portent l'en-tête « thematique »", "ignorez l'autre"]),
    # The parser used to abort the whole process on these (SIGABRT): now the reading process only.
    "a cell at XFD1048576": ("activite", lambda p: far_cell(p / "activite.xlsx"), ["une cellule en XFD1048576"]),
    "4 billion shared strings": ("activite", lambda p: lying_shared_strings(p / "activite.xlsx"),
                                 ["déclare 4\u202f000\u202f000\u202f000 textes partagés"]),
    "a sheet declaring A1:XFD1048576": ("activite", lambda p: declared_extent(p / "activite.xlsx"),
                                        ["1\u202f048\u202f576 lignes sur 16\u202f384 colonnes"]),
    "an .ods cell repeated 2^30 times": ("activite", lambda p: repeated_ods(p / "activite.ods"),
                                         ["répétée sur 1\u202f073\u202f741\u202f824 colonnes"]),
    "5 MB without a line break": ("activite", lambda p: _written(p / "a.csv", b"a" * 5_000_000),
                                  ["pas de retour à la ligne"]),
    "JSON nested 100,000 deep": ("maisons", lambda p: _written(p / "registre.json", b"[" * 100_000 + b"]" * 100_000),
                                 ["imbriqué sur plus de 256 niveaux"]),
    "an .xls declaring 4 billion rows": ("activite", lambda p: xls_declaring_rows(p / "activite.xls"),
                                         ["4\u202f000\u202f000\u202f000 lignes", "65\u202f536"]),
    "an .xls sheet placed beyond its end": ("activite", lambda p: xls_sheet_beyond_its_end(p / "activite.xls"),
                                            ["position 2\u202f147\u202f483\u202f632, au-delà de sa propre fin"]),
    "a 1 MB cell": ("activite", lambda p: write_csv_fr(p / "a.csv", ACT, [["1", "04/01/2016", "x" * 1_000_000, 1]]),
                    ["valeur inconnue", "…"]),
}


@pytest.mark.parametrize("case", list(CORPUS))
def test_hostile_file_refused_in_french_bounded_store_unchanged(case, registry_copy, tmp_path):
    kind, make, words = CORPUS[case]
    path = make(tmp_path)
    before = store_digest(registry_copy)
    journal = registry_copy.with_name(registry_copy.stem + ".refus.jsonl")
    logged = journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []
    run, peak = cli("import", path, "--kind", kind, "--db", registry_copy)
    assert run.returncode == 1, run.stdout
    assert "Traceback" not in run.stderr and "Erreur interne" not in run.stderr, run.stderr[-2000:]
    assert "est refusé" in run.stderr and "rien n'a été enregistré" in run.stderr
    for word in words:
        assert word in run.stderr, f"{word!r} missing from:\n{run.stderr[:3000]}"
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr
    assert len(run.stderr) < 20_000  # the 1 MB cell is shown cut
    assert peak < PEAK_MB
    assert store_digest(registry_copy) == before
    entries = journal.read_text(encoding="utf-8").splitlines()
    assert len(entries) == len(logged) + 1  # the attempt is in the journal of refusals, with its cause
    assert words[0] in json.loads(entries[-1])["detail"][0], entries[-1][:500]
    tables = cli("indicators", "--db", registry_copy)[0]  # the store still opens and answers
    assert tables.returncode == 0, tables.stderr


def test_file_names_are_data_not_log_lines(registry_copy, tmp_path):
    """A newline in a name would forge a line of `imports`; a name not in UTF-8 used to stop the command."""
    rows = [["1", "04/01/2016", "emploi", 3]]
    forged = write_csv_fr(tmp_path / "a\nn°99\tmaisons\tchargé.csv", ACT, rows)
    latin = Path(os.fsdecode(os.fsencode(str(tmp_path)) + b"/activit\xe9.csv"))
    write_csv_fr(latin, ACT, [["1", "05/02/2016", "emploi", 2]])
    for path in (forged, latin):
        run, _ = cli("import", path, "--kind", "activite", "--db", registry_copy)
        assert run.returncode == 0, run.stderr
    listing, _ = cli("imports", "--db", registry_copy)
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == 3, listing.stdout  # the registry and the two files, one line each
    assert "a↵n°99⇥maisons⇥chargé.csv" in lines[1]
    assert "activit\ufffd.csv" in lines[2]


def test_thousands_of_columns_summed_up(registry_copy, tmp_path):
    header = [*ACT, *(f"colonne {i}" for i in range(16_380))]
    path = write_xlsx(tmp_path / "large.xlsx", header, [["1", "04/01/2016", "emploi", 1, *["x"] * 16_380]])
    run, _ = cli("inspect", path, "--kind", "activite", "--db", registry_copy)
    assert run.returncode == 0, run.stderr
    assert "16 380 colonnes sans correspondance" in run.stdout.replace("\u202f", " ")
    assert len(run.stdout) < 5_000  # it printed 447,559 characters


def test_control_characters_in_cells_reach_neither_the_terminal_nor_the_report(registry_copy, tmp_path):
    """A worksheet may not hold control characters: the report of problems used to crash ("Erreur interne")."""
    from openpyxl import load_workbook

    path = write_csv_fr(tmp_path / "a.csv", ACT, [["1", "04/01/2016", "zz\x01\x1b[31mzz\x7f", 1]])
    report = tmp_path / "problemes.xlsx"
    run, _ = cli("import", path, "--kind", "activite", "--db", registry_copy, "--rapport", report)
    assert run.returncode == 1 and "Erreur interne" not in run.stderr and "\x1b" not in run.stderr
    assert "valeur « zz\\x01\\x1b[31mzz\\x7f »" in run.stderr
    cells = [c.value for ws in load_workbook(report).worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert any(v.startswith("zz\ufffd\ufffd[31mzz") for v in cells), cells


def test_formulas_count_by_their_cached_results(registry_copy, tmp_path):
    """Excel saves each formula with its result: the import uses the result, never the formula's text."""
    from tests.hostile import with_cached_formulas

    run, _ = cli("import", with_cached_formulas(tmp_path / "formules.xlsx"), "--kind", "activite",
                 "--db", registry_copy)
    assert run.returncode == 0, run.stderr
    con = store.connect(registry_copy, read_only=True)
    rows = con.execute("SELECT thematique, nb FROM activite_actifs ORDER BY nb").fetchall()
    con.close()
    assert rows == [("emploi", 2), ("emploi", 4)]


def test_a_sheet_of_a_million_rows_is_bounded(registry_copy, tmp_path):
    """1,048,576 data rows (Excel's last row): imported whole within the memory bound."""
    path = tmp_path / "million.csv"
    body = "".join(f"1;{1 + i % 28:02d}/{1 + i % 12:02d}/2016;emploi;1\r\n" for i in range(1_048_576))
    path.write_text("id_maison;date;thematique;nb\r\n" + body, encoding="utf-8")
    run, peak = cli("import", path, "--kind", "activite", "--db", registry_copy)
    assert run.returncode == 0, run.stderr
    assert "1 048 576 ligne(s) chargée(s)" in run.stdout.replace("\u202f", " ")
    assert peak < PEAK_MB


@pytest.mark.parametrize("name, data, words", [
    ("registre.json", b'{"type": "FeatureCollection", "features": [', "JSON est mal formé (ligne 1, colonne"),
    ("registre.xlsx", b"PK\x03\x04" + b"\x00" * 200, "archive ZIP endommagée"),
    ("activite.csv", b'id_maison;mois;thematique;nb\n1;2017-01;"emploi;3\n' + b"2;2017-01;emploi;4\n" * 3,
     "valeurs au lieu de 4"),
])
def test_broken_files_are_told_in_french_without_library_text(name, data, words, tmp_path, registry_copy):
    path = tmp_path / name
    path.write_bytes(data)
    run, _ = cli("import", path, "--kind", "maisons" if name.startswith("registre") else "activite",
                 "--db", registry_copy)
    assert run.returncode == 1 and words in run.stderr, run.stderr
    for english in ("Error", "error:", "Expected", "straddling", "calamine", "Traceback"):
        assert english not in run.stderr, run.stderr


def test_an_xls_row_at_the_last_row_an_xls_holds_is_a_row(registry_copy, tmp_path):
    """A cell at row 65,536 used to abort the parser: it is a row of the file like any other."""
    run, peak = cli("import", xls_last_row(tmp_path / "activite.xls", "1"), "--kind", "activite", "--db", registry_copy)
    assert run.returncode == 0, run.stderr
    assert "1 ligne(s) chargée(s)" in run.stdout and peak < PEAK_MB
    con = store.connect(registry_copy, read_only=True)
    assert con.execute("SELECT id_maison, nb FROM activite_actifs").fetchall() == [("1", 7)]
    con.close()


GROWER = """
import sys, time
with open(sys.argv[1], "ab", buffering=0) as f:
    print("prêt", flush=True)
    while True:  # about 4 MB a second, as a copy over a network
        f.write(b"1;04/01/2016;emploi;1\\r\\n" * 200)
        time.sleep(0.001)
"""


def test_a_file_still_being_written_is_refused_for_what_it_is(registry_copy, tmp_path):
    """A copy still under way: the bytes read are not the file; refused, with the sizes, and nothing is kept."""
    path = write_csv_fr(tmp_path / "activite.csv", ACT, [["1", "04/01/2016", "emploi", 1]] * 400_000)
    before = store_digest(registry_copy)
    writer = subprocess.Popen([sys.executable, "-c", GROWER, str(path)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline().decode().strip() == "prêt"
        run, _ = cli("import", path, "--kind", "activite", "--db", registry_copy)
    finally:
        writer.kill()
        writer.wait()
    assert run.returncode == 1 and "change pendant sa lecture" in run.stderr and "rien n'a été enregistré" in run.stderr
    assert store_digest(registry_copy) == before
