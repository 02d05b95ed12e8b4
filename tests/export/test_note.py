"""A composed En bref note: charts chosen and ordered, texts written or proposed, boxes, colophon; saved by name with
its filters, rebuilt identically by ``export --note``, duplicated for another perimeter; charts with nothing or
mostly nothing to show left out and said. Read back from the PDF as a reader would."""

from __future__ import annotations

import shutil

import pytest

from msap_stats import cli, store
from msap_stats.export import catalogue, pack
from msap_stats.export import note as notes
from msap_stats.indicators import Filters
from msap_stats.store import StoreError
from tests.browser import chromium_available
from tests.export.test_export import flat, pdf_text

pytestmark = pytest.mark.skipif(not chromium_available(), reason="Chromium absent : kaleido en a besoin")

HOSTILE = '#set page(paper: "a5") *gras* $x^2$ <script>alert(1)</script> = titre'


def _composed(name: str = "Note 33") -> notes.Note:
    return notes.Note(name, Filters().describe(), titre="Les Maisons de services au public, un an après",
                      sous_titre="Enquête auprès des usagers, des agents et des habitants",
                      introduction="Les usagers viennent d'abord pour constituer un dossier.",
                      sections=[notes.Section("regards"),
                                notes.Section(None, "Encadré : l'enquête", HOSTILE),
                                notes.Section("attentes", texte="Ce que les usagers attendent d'abord."),
                                notes.Section("agents", titre="Les agents")],
                      colophon={"numero": "33", "issn": "2552-6488", "directeur": "Jeanne Martin",
                                "auteur": "Paul Durand", "date": "février 2017", "contact": "en-bref@exemple.fr"})


@pytest.fixture
def db(demo_db, tmp_path):
    path = tmp_path / "notes.duckdb"
    shutil.copy(demo_db, path)
    return path


def test_a_composed_note_prints_its_texts_charts_box_and_colophon_in_order(db):
    con = store.connect(db)
    try:
        saved = notes.save(con, _composed(), "paul@exemple.fr")
        assert notes.load(con, "Note 33") == saved and saved.version == store.data_version(con)
        built = pack.build(con, Filters(regions=("53",)), note=saved)  # the note's own filters rule
    finally:
        con.close()
    pages, text = pdf_text(built.files["en-bref.pdf"])
    text = flat(text)
    assert 2 <= pages <= 4
    assert [nom for nom, _ in built.charts] == ["Regards croisés", "Attentes des usagers", "Profil des agents"]
    order = [text.index(s) for s in ("Les Maisons de services au public, un an après", "Enquête auprès des usagers",
                                     "Les usagers viennent d'abord", "Regards croisés", "Encadré : l'enquête",
                                     "Ce que les usagers attendent d'abord.", "Les agents", "Méthodologie",
                                     "ISSN : 2552-6488")]
    assert order == sorted(order)
    assert flat(HOSTILE) in text  # the author's text printed as written, never read as markup
    assert "France entière" in text and "Bretagne" not in text
    assert "En bref n°33" in text and "Jeanne Martin" in text and "février 2017" in text
    agents = next(c for nom, c in built.charts if nom == "Profil des agents")
    assert flat(agents.titre) in text  # a text left empty: the chart's own finding
    assert "export --db" in built.files["LISEZMOI.txt"].decode() and \
        "--out DOSSIER --note 'Note 33'" in built.files["LISEZMOI.txt"].decode()


def test_a_chart_mostly_without_figures_is_left_out_and_said(db):
    con = store.connect(db, read_only=True)
    try:
        lozere = Filters(departements=("48",))
        drawn = catalogue.BY_KEY["satisfaction"].draw(con, lozere)
        assert catalogue.mostly_empty(drawn)  # the fact behind the leaving out
        built = pack.build(con, lozere, note=notes.Note("Lozère", lozere.describe(),
                                                        sections=[notes.Section("satisfaction"),
                                                                  notes.Section("mois")]))
    finally:
        con.close()
    assert [nom for nom, _ in built.charts] == ["Demandes par mois"]
    assert built.absents == ["Satisfaction : la plupart des chiffres manquent (effectif insuffisant)"]
    assert "Satisfaction : la plupart des chiffres manquent" in flat(pdf_text(built.files["en-bref.pdf"])[1])


@pytest.mark.parametrize("change, why", [
    ({"nom": "  "}, "Donnez un nom"),
    ({"sections": [notes.Section(None, "Sans texte")]}, "un encadré a un titre et un texte"),
    ({"sections": [notes.Section("../../etc/passwd")]}, "aucun graphique « ../../etc/passwd »"),
    ({"colophon": {"editeur": "x"}}, "champ inconnu « editeur »"),
    ({"introduction": "x" * (notes.MAX_TEXT + 1)}, "L'introduction dépasse 4\u202f000 caractères"),
    ({"sections": []}, "au moins une section"),
    ({"nom": "deux\nlignes"}, "sur une ligne"),
    ({"nom": "nul\x00"}, "sur une ligne"),
    ({"filtres": {"region": ["76"]}}, "filtre inconnu « region »"),
    ({"filtres": {"regions": "76"}}, "« regions » est une liste de codes"),
    ({"filtres": {"departements": ["99"]}}, "aucun territoire de code « 99 »"),
])
def test_a_note_that_cannot_be_printed_is_refused_and_nothing_saved(db, change, why):
    from dataclasses import replace

    con = store.connect(db)
    try:
        with pytest.raises(StoreError, match=why):
            notes.save(con, replace(_composed(), **change), "x")
        assert notes.names(con) == []
    finally:
        con.close()


def test_the_command_line_rebuilds_lists_and_duplicates_a_note(db, tmp_path, capsys):
    con = store.connect(db)
    notes.save(con, _composed(), "paul@exemple.fr")
    con.close()
    texts, pdfs = [], []
    for out in ("a", "b"):
        assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / out), "--note", "Note 33"]) == 0
        zipped = next((tmp_path / out).glob("*.zip"))
        assert zipped.name.startswith("en-bref_note-33_france-entiere_")
        pdfs.append(next((tmp_path / out).glob("*/en-bref.pdf")).read_bytes())
        texts.append(flat(pdf_text(pdfs[-1])[1]))
    assert texts[0] == texts[1] and "Les Maisons de services au public, un an après" in texts[0]
    assert pdfs[0] == pdfs[1]  # the same day, the same data: the same file
    assert "Les données ont changé" not in capsys.readouterr().out
    assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / "c"), "--note", "Note 33",
                     "--region", "76"]) == 2
    assert "garde son périmètre" in capsys.readouterr().err
    assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / "c"), "--note", "Absente"]) == 1
    assert "Aucune note « Absente » (notes : Note 33)" in capsys.readouterr().err
    assert cli.main(["notes", "duplicate", "Note 33", "Note 33 Occitanie", "--region", "76", "--db", str(db)]) == 0
    said = capsys.readouterr().out
    assert "Région : Occitanie" in said
    assert ("Textes écrits gardés tels quels, à relire pour ce périmètre : le titre, le sous-titre, l'introduction, "
            "la section 2 (Encadré : l'enquête), la section 3 (Attentes des usagers), la section 4 (Les agents).") in said
    assert cli.main(["notes", "duplicate", "Note 33", "Nulle part", "--departement", "99", "--db", str(db)]) == 1
    assert "aucun territoire de code « 99 »" in capsys.readouterr().err
    assert cli.main(["notes", "--db", str(db)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [["Note 33", "France entière"],
                                                         ["Note 33 Occitanie", "Région : Occitanie"]]
    con = store.connect(db)
    copy = notes.load(con, "Note 33 Occitanie")
    assert copy.filters == Filters(regions=("76",)) and copy.sections == _composed().sections
    con.close()
    con = store.connect(db)
    last = int(store.list_imports(con)["import_id"].max())
    con.close()
    assert cli.main(["rollback", str(last), "--db", str(db)]) == 0  # the data change
    capsys.readouterr()
    assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / "d"), "--note", "Note 33"]) == 0
    assert "Les données ont changé depuis l'enregistrement" in capsys.readouterr().out
    after = flat(pdf_text(next((tmp_path / "d").glob("*/en-bref.pdf")).read_bytes())[1])
    assert "la note a été composée sur des données antérieures" in after  # the PDF states it too
    assert "la note a été composée sur des données antérieures" not in texts[0]
    assert f"import n°{last} annulé le" in after and f"import n°{last} annulé" not in texts[0]
    assert cli.main(["notes", "delete", "Note 33", "--db", str(db)]) == 0
    con = store.connect(db)
    assert notes.names(con) == ["Note 33 Occitanie"]
    con.close()


def test_a_colophon_number_is_written_once_and_a_note_of_absent_charts_still_has_its_workbook(db):
    from io import BytesIO

    from openpyxl import load_workbook

    con = store.connect(db)
    try:
        saved = notes.save(con, notes.Note("Lozère seule", Filters(departements=("48",)).describe(),
                                           sections=[notes.Section("satisfaction")], colophon={"numero": "n°35"}),
                           "x")
        assert saved.colophon == {"numero": "35"}
        built = pack.build(con, Filters(), note=saved)
    finally:
        con.close()
    text = flat(pdf_text(built.files["en-bref.pdf"])[1])
    assert "En bref n°35 " in text and "n°n°" not in text and not built.charts
    sheet = load_workbook(BytesIO(built.files["tableaux.xlsx"])).active
    assert sheet.title == "Note" and sheet["A1"].value.startswith("Périmètre : Département : Lozère")


def test_key_figures_never_leave_a_card_alone_on_its_row():
    for n in range(2, 13):
        c = pack.columns(n)
        assert 2 <= c <= 4 and n % c != 1, (n, c)
