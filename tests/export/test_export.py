"""The En bref pack: a PDF note, chart images, the tables behind them, a LISEZMOI — read back as a user would."""

from __future__ import annotations

import io
import os
import shlex
import signal
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import plotly.graph_objects as go
import pypdf
import pytest
from openpyxl import load_workbook

from msap_stats import charts, store
from msap_stats.export import pack
from msap_stats.export.tables import INTEGER
from msap_stats.indicators import Filters
from msap_stats.intake.importer import import_bytes
from tests.browser import chromium_available
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not chromium_available(), reason="Chromium absent : kaleido en a besoin")


def build(db, f: Filters) -> pack.Pack:
    con = store.connect(db, read_only=True)
    try:
        return pack.build(con, f)
    finally:
        con.close()


@pytest.fixture(scope="module")
def national(demo_db):
    return build(demo_db, Filters())


@pytest.fixture(scope="module")
def registry_pack(registry_db):
    return build(registry_db, Filters(regions=("76",)))


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def flat(text: str) -> str:
    """PDF text with its line breaks and no-break spaces as plain spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_national_note_holds_the_perimeter_the_key_figures_and_the_method(demo_db, national):
    pages, text = pdf_text(national.files["en-bref.pdf"])
    assert 2 <= pages <= 4
    text = flat(text)
    assert "France entière" in text and "de janvier 2016 à décembre 2016" in text
    con = store.connect(demo_db, read_only=True)
    figures = charts.overview.key_figures(con, Filters())
    con.close()
    for k in figures:
        assert flat(k.valeur) in text and flat(k.texte) in text
    for chart in (c for _, c in national.charts):
        assert flat(chart.titre)[:60] in text
    assert "Méthodologie" in text and "Korn et Graubard" in text and "Données de démonstration" in text
    assert "4 812 réponses" in text  # the users' survey, as counted in the store
    assert 4 <= len(national.charts) <= 6


def last_page_filled(data: bytes) -> float:
    """How far down the last page the text goes, as a share of the page's text height (footer left out)."""
    page = pypdf.PdfReader(io.BytesIO(data)).pages[-1]
    height, bottom, top = float(page.mediabox.height), 1.7 * 72 / 2.54, 1.6 * 72 / 2.54
    lows: list[float] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: lows.append(cm[5] * 1 + tm[5] * cm[3])
                      if text.strip() else None)
    body = [y for y in lows if y > bottom + 2]
    return (height - top - min(body)) / (height - top - bottom)


@pytest.mark.parametrize("which", ["national", "registry_pack"])
def test_no_note_ends_on_a_page_mostly_blank(which, request):
    built = request.getfixturevalue(which)
    pages = len(pypdf.PdfReader(io.BytesIO(built.files["en-bref.pdf"])).pages)
    assert pages <= 4 and (pages == 1 or last_page_filled(built.files["en-bref.pdf"]) >= 0.3)


def test_every_chart_comes_as_a_wide_png_and_a_valid_svg(national):
    for i, (nom, chart) in enumerate(national.charts, start=1):
        stem = f"graphiques/{i:02d}-{pack.slug(nom)}"
        width, height = png_size(national.files[f"{stem}.png"])
        assert width >= 1600 and height > 300
        svg = ElementTree.fromstring(national.files[f"{stem}.svg"])
        assert svg.tag.endswith("svg")
        texts = " ".join("".join(t.itertext()) for t in svg.iter() if t.tag.endswith("text"))
        assert chart.titre.split(" ")[0] in texts and "Source" in texts  # title and source inside the image
        assert "France entière" in texts and "janvier 2016" in texts  # and the perimeter and period


def _chromiums_of_this_process() -> list[int]:
    """The pids of the Chromium processes this test process started (kaleido's), read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), (entry / "comm").read_text())
            except OSError:
                continue
    mine, found = {os.getpid()}, True
    while found:
        found = {pid for pid, (parent, _) in parents.items() if parent in mine and pid not in mine}
        mine |= found
    return [pid for pid in mine if "chrom" in parents.get(pid, (0, ""))[1]]


def test_images_drawn_one_after_another_on_one_page_and_again_after_chromium_dies():
    """kaleido's page is kept from one image to the next: each image holds its own figure and nothing of the one
    before; a Chromium killed between two images is started again and the next image is drawn."""
    from msap_stats.export import images

    def svg_texts(title: str, values: list[int]) -> str:
        fig = go.Figure(go.Bar(x=[f"{title}-{i}" for i in range(len(values))], y=values), layout=dict(title=title))
        svg = ElementTree.fromstring(images.render(fig, "svg", 600, 400))
        return " ".join("".join(t.itertext()) for t in svg.iter() if t.tag.endswith("text"))

    first, second = svg_texts("Premier", [3, 1, 2]), svg_texts("Second", [5])
    assert "Premier" in first and "Premier-2" in first
    assert "Second" in second and "Premier" not in second and "Second-1" not in second
    chromiums = _chromiums_of_this_process()
    assert chromiums, "kaleido's Chromium is a child of this process"
    for pid in chromiums:
        os.kill(pid, signal.SIGKILL)
    assert "Troisième-0" in svg_texts("Troisième", [1])
    assert _chromiums_of_this_process() and not set(_chromiums_of_this_process()) & set(chromiums)


def test_the_workbook_has_a_sheet_per_chart_numbers_as_numbers_and_no_formula(national):
    wb = load_workbook(io.BytesIO(national.files["tableaux.xlsx"]))
    assert len(wb.sheetnames) == len(national.charts)
    for ws, (nom, chart) in zip(wb.worksheets, national.charts):
        assert ws.title == nom[:31]
        assert ws["A1"].value == chart.titre
        assert ws["A2"].value == "Périmètre : France entière"
        header = next(r for r in range(1, 12) if ws.cell(r, 1).value == chart.donnees.columns[0])
        assert [c.value for c in ws[header]][:len(chart.donnees.columns)] == list(chart.donnees.columns)
        for j, column in enumerate(chart.donnees.columns, start=1):
            values = chart.donnees[column]
            cells = [ws.cell(header + 1 + i, j) for i in range(len(values))]
            if values.dtype.kind in "if":
                kept = [c.value for c in cells if c.value is not None]
                assert kept == pytest.approx([v for v in values if v == v])
                if (values.dropna() % 1 == 0).all():
                    assert all(isinstance(c.value, int) and c.number_format == INTEGER for c in cells
                               if c.value is not None)
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_the_readme_lists_the_files_the_filters_the_data_and_the_command(national):
    text = national.files["LISEZMOI.txt"].decode("utf-8")
    for name in national.files:
        assert name.split("/")[-1].rsplit(".", 1)[0] in text
    assert "Périmètre : France entière" in text and "dernier import n°" in text
    assert "python -m msap_stats export --db " in text and " --out DOSSIER" in text  # from the same store
    db = text.split("export --db ", 1)[1].split(" --out", 1)[0]
    assert Path(shlex.split(db)[0]).exists()
    names = zipfile.ZipFile(io.BytesIO(national.zip_bytes)).namelist()
    assert sorted(names) == sorted(f"{national.dossier}/{n}" for n in national.files)


def test_the_registry_alone_says_what_is_absent(registry_pack):
    pages, text = pdf_text(registry_pack.files["en-bref.pdf"])
    text = flat(text)
    assert 2 <= pages <= 4
    assert "Région : Occitanie" in text and "Laissé de côté dans ce périmètre" in text
    assert "Région : Occitanie au 1er août 2024" in text  # a list alone: its own date, not « aucune donnée datée »
    # no survey at all, said once for the three (not once more for each survey's charts)
    assert "Aucune enquête (usagers, agents, habitants) dans ce périmètre" in text
    assert "Aucune réponse à l'enquête usagers" not in text
    assert "Licence Ouverte" in text and "1er août 2024" in text  # the list's own date, from its file name
    assert "Données de démonstration" not in text
    assert {nom for nom, _ in registry_pack.charts} >= {"Densité par département", "Critères du réseau"}


def test_names_from_a_file_come_out_inert_in_the_workbook_and_the_csv(tmp_path):
    db = tmp_path / "hostile.duckdb"
    con = store.connect(db)
    rows = [("H1", "=1+1", "48"), ("H2", "@SUM(A1)", "48"), ("H3", "+33 Maison", "48"), ("H4", "Maison sûre", "48")]
    body = "id_maison;nom;code_departement;latitude;longitude\n" + "".join(
        f"{i};{n};{d};44.5;3.{k}\n" for k, (i, n, d) in enumerate(rows))
    import_bytes(con, body.encode("utf-8"), "hostile.csv", "maisons")
    con.close()
    built = build(db, Filters())
    ws = load_workbook(io.BytesIO(built.files["tableaux.xlsx"]))["Carte des Maisons"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for name in ("=1+1", "@SUM(A1)", "+33 Maison"):
        assert cells[name].data_type == "s" and cells[name].quotePrefix
    assert not cells["Maison sûre"].quotePrefix
    from msap_stats.sheets import csv_bytes

    chart = dict(built.charts)["Carte des Maisons"]
    csv = csv_bytes(chart.donnees).decode("utf-8-sig")
    assert "'=1+1" in csv and "'@SUM(A1)" in csv and "\n=1+1" not in csv


def test_the_command_line_writes_the_same_pack(demo_db, national, tmp_path):
    run = subprocess.run([sys.executable, "-m", "msap_stats", "export", "--out", str(tmp_path), "--db", str(demo_db)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "construit en" in run.stdout
    folder = tmp_path / national.dossier
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert written == sorted(national.files)
    assert (tmp_path / national.zip_name).exists()
    mine = load_workbook(folder / "tableaux.xlsx")
    theirs = load_workbook(io.BytesIO(national.files["tableaux.xlsx"]))
    for a, b in zip(mine.worksheets, theirs.worksheets):
        assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]


def test_the_command_line_refuses_an_empty_perimeter(registry_db, tmp_path):
    run = subprocess.run([sys.executable, "-m", "msap_stats", "export", "--out", str(tmp_path), "--db", str(registry_db),
                          "--departement", "48", "--format", "bus"],  # no bus in Lozère's list
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 1
    assert "Aucune Maison dans ce périmètre" in run.stderr and "Traceback" not in run.stderr
    assert not any(tmp_path.iterdir())
