"""The same records written in the ways people really write them give the same figures (metamorphic tests).

A survey, a registry or an activity file is generated once as records; each test writes those records in several
ways (yes/no writings and their mixes, tick boxes, blanks, layouts) into real files, imports each into its own
store, and asserts that the figures the pages show are identical, and equal to the ones computed from the records.
"""

from __future__ import annotations

import random
import shutil
from contextlib import closing

import pytest

from msap_stats import indicators, store
from msap_stats.errors import ImportRefused
from msap_stats.indicators import Filters
from msap_stats.intake import assistant
from msap_stats.intake.importer import import_file
from tests.spreadsheets import write_csv_fr, write_ods, write_xls, write_xlsx

MOTIVES = ["motif_aide_dossier", "motif_renseignement", "motif_outils_libre_acces", "motif_demarche_en_ligne"]
SATISFACTION = ["Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait", "Pas du tout satisfait"]


def respondents(n: int = 150, seed: int = 7) -> list[dict]:
    """Users of Maisons 1 to 6: their motives (None: the question left unanswered), satisfaction, daily life."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answered = rng.random() > 0.1
        motives = {m: (rng.random() < p if answered else None) for m, p in zip(MOTIVES, (0.4, 0.33, 0.27, 0.24))}
        out.append({"id_reponse": f"R{i:04d}", "date_reponse": "15/11/2016", "id_maison": str(1 + i % 6), **motives,
                    "satisfaction_accueil": rng.choice(SATISFACTION),
                    "simplifie_quotidien": rng.choice([True, True, True, False, None])})
    return out


def oui_non(v):
    return None if v is None else ("Oui" if v else "Non")


WRITINGS = {  # how one yes/no answer is written in a column; a tick box writes nothing when not ticked
    "oui/non": oui_non,
    "1/0": lambda v: None if v is None else (1 if v else 0),
    "O/N": lambda v: None if v is None else ("O" if v else "N"),
    "vrai/faux": lambda v: None if v is None else ("VRAI" if v else "FAUX"),
    "x": lambda v: "x" if v else None,
    "✓": lambda v: "✓" if v else None,
    "libellé": lambda v: "Obtenir un renseignement" if v else None,  # a survey tool writes the option ticked
}


def write_survey(path, records, writings: dict[str, str]):
    header = ["id_reponse", "date_reponse", "id_maison", *MOTIVES, "satisfaction_accueil", "simplifie_quotidien"]
    rows = [[r["id_reponse"], r["date_reponse"], r["id_maison"], *(WRITINGS[writings[m]](r[m]) for m in MOTIVES),
             r["satisfaction_accueil"], oui_non(r["simplifie_quotidien"])] for r in records]
    return write_xlsx(path, header, rows) if path.suffix == ".xlsx" else write_csv_fr(path, header, rows)


def loaded(registry_db, tmp_path, path, kind: str, query: str) -> list[tuple]:
    """``path`` imported (suggestions accepted) into a copy of the registry store, and ``query`` on it."""
    db = tmp_path / "s.duckdb"
    shutil.copy(registry_db, db)
    with closing(store.connect(db)) as con:
        import_file(con, path, kind, accept_suggestions=True)
        return con.execute(query).fetchall()


def imported(registry_db, tmp_path, name, path):
    db = tmp_path / f"{name}.duckdb"
    shutil.copy(registry_db, db)
    with closing(store.connect(db)) as con:
        import_file(con, path, "usagers")
        stored = con.execute(f"SELECT id_reponse, {', '.join(MOTIVES)} FROM usagers_actifs ORDER BY 1").fetchall()
        figures = indicators.shares(con, "usagers", indicators.MOTIFS, Filters()).set_index("item")
    return stored, figures[["n", "pct", "ic_bas", "ic_haut"]]


MIXES = [
    {"motif_aide_dossier": "oui/non", "motif_renseignement": "1/0", "motif_outils_libre_acces": "x",
     "motif_demarche_en_ligne": "✓"},
    {"motif_aide_dossier": "O/N", "motif_renseignement": "libellé", "motif_outils_libre_acces": "vrai/faux",
     "motif_demarche_en_ligne": "x"},
]


@pytest.mark.parametrize("mix", MIXES, ids=["oui-non,1-0,x,coche", "O-N,libelle,vrai-faux,x"])
def test_yes_no_columns_written_each_their_own_way_give_the_figures_of_the_records(registry_db, tmp_path, mix):
    records = respondents()
    plain, plain_figures = imported(registry_db, tmp_path, "oui_non", write_survey(
        tmp_path / "oui_non.csv", records, dict.fromkeys(MOTIVES, "oui/non")))
    mixed, mixed_figures = imported(registry_db, tmp_path, "melange", write_survey(tmp_path / "melange.xlsx", records, mix))
    expected = [(r["id_reponse"], *(r[m] for m in MOTIVES)) for r in records]
    assert plain == expected and mixed == expected  # a blank tick is "not ticked" where the question was answered
    assert mixed_figures.equals(plain_figures)
    answered = [r for r in records if r[MOTIVES[2]] is not None]
    share = 100 * sum(r[MOTIVES[2]] for r in answered) / len(answered)
    assert mixed_figures.loc["outils_libre_acces", "n"] == len(answered)
    assert abs(mixed_figures.loc["outils_libre_acces", "pct"] - share) < 0.01  # not 100 % of those who ticked


def test_the_assistant_says_how_it_reads_each_yes_no_column(registry_con, tmp_path):
    path = write_survey(tmp_path / "melange.xlsx", respondents(40), MIXES[0])
    insp = assistant.inspect(registry_con, path.read_bytes(), path.name, "usagers")
    assert insp.ready
    assert insp.readings["motif_aide_dossier"].startswith("oui / non (« Non », « Oui »)")
    assert insp.readings["motif_renseignement"].startswith("oui / non (« 0 », « 1 »)")
    assert insp.readings["motif_outils_libre_acces"].startswith("case à cocher (« x ») ; vide : non cochée, sans réponse")
    assert insp.readings["motif_demarche_en_ligne"].startswith("case à cocher (« ✓ »)")
    assert insp.readings["simplifie_quotidien"].endswith("vide : sans réponse")


MONTHS = {"2017-01": "Janvier 2017", "2017-02": "Février 2017", "2017-03": "Mars 2017"}
THEMES = {"emploi": "Emploi, formation", "retraite": "Retraite", "sante": "Santé, assurance maladie"}


def activity(seed: int = 3) -> list[tuple]:
    """(Maison, month, theme, requests); None: the cell was left blank, as hand-kept workbooks leave it."""
    rng = random.Random(seed)
    return [(m, mo, t, rng.choice([None, 0, 1, 2, 5, 12])) for m in ("1", "2", "3") for mo in MONTHS for t in THEMES]


def write_long(path, records):
    return write_csv_fr(path, ["ID Maison", "Mois", "Thématique", "Nb"],
                        [[m, mo, THEMES[t], nb] for m, mo, t, nb in records])


def write_sheet_per_month(path, records):
    from openpyxl import Workbook

    wb = Workbook()
    for i, (month, name) in enumerate(MONTHS.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws.append(["Code Maison", "Thématique", "Nombre de demandes"])
        for m, mo, t, nb in records:
            if mo == month:
                ws.append([m, THEMES[t], nb])
    wb.save(path)
    return path


def write_months_as_columns(path, records):
    cells = {(m, t, mo): nb for m, mo, t, nb in records}
    rows = [[m, THEMES[t], *(cells[m, t, mo] for mo in MONTHS)] for m in ("1", "2", "3") for t in THEMES]
    return write_xlsx(path, ["ID Maison", "Thématique", *MONTHS.values()], rows)


@pytest.mark.parametrize("layout", [write_long, write_sheet_per_month, write_months_as_columns],
                         ids=["une-ligne-par-enregistrement", "une-feuille-par-mois", "mois-en-colonnes"])
def test_blank_counts_are_zero_in_every_layout_and_said_once(registry_db, tmp_path, layout):
    records = activity()
    path = layout(tmp_path / f"activite{'.csv' if layout is write_long else '.xlsx'}", records)
    db = tmp_path / "s.duckdb"
    shutil.copy(registry_db, db)
    with closing(store.connect(db)) as con:
        result = import_file(con, path, "activite", accept_suggestions=True)
        got = con.execute("SELECT id_maison, strftime(mois, '%Y-%m'), thematique, nb FROM activite_actifs "
                          "ORDER BY ALL").fetchall()
    assert got == sorted((m, mo, t, nb) for m, mo, t, nb in records if nb)
    blanks = sum(nb is None for *_, nb in records)
    said = [w for w in result.avertissements if "vide(s)" in w]
    start = f"{blanks} case(s) vide(s) de nombre de demandes lue(s) comme 0 ("
    assert len(said) == 1 and said[0].startswith(start) and said[0].endswith(") : rien à charger pour elles.")
    listed = said[0][len(start):said[0].rindex(")")]
    places = listed.removesuffix(" ; …").split(" ; ")  # the first five blank cells, as a problem names a place
    assert len(places) == min(5, blanks) and listed.endswith(" ; …") == (blanks > 5)
    assert set(places) <= blank_places(layout, records)
    zeros = sum(nb == 0 for *_, nb in records)
    assert any(w.startswith(f"{zeros} ligne(s) à 0 demande (0 ou un tiret) (") for w in result.avertissements)


def blank_places(layout, records) -> set[str]:
    """Where each blank count cell of ``records`` is in the file that ``layout`` writes."""
    if layout is write_long:
        return {f"ligne {i + 2}" for i, (*_, nb) in enumerate(records) if nb is None}
    if layout is write_sheet_per_month:
        return {f"feuille « {name} », ligne {i + 2}" for month, name in MONTHS.items()
                for i, (*_, nb) in enumerate(r for r in records if r[1] == month) if nb is None}
    rows = [(m, t) for m in ("1", "2", "3") for t in THEMES]
    return {f"ligne {rows.index((m, t)) + 2}, colonne « {MONTHS[mo]} »" for m, mo, t, nb in records if nb is None}


@pytest.mark.parametrize("count", ["-3", "2,5", "beaucoup"])
def test_a_count_that_is_not_a_count_still_refuses_the_file(registry_copy, tmp_path, count):
    records = [("1", "2017-01", "emploi", 4), ("2", "2017-01", "emploi", None), ("3", "2017-01", "emploi", count)]
    path = write_long(tmp_path / "activite.csv", records)
    with closing(store.connect(registry_copy)) as con, pytest.raises(ImportRefused) as refused:
        import_file(con, path, "activite", accept_suggestions=True)
    assert [(p.ligne, p.valeur) for p in refused.value.problems] == [(4, count)]


HOURS = [  # (how a day's opening is written, the same opening as the national list writes it)
    ("13 h 30 à 16 h 30", "13:30 - 16:30"), ("8 h 30 à 17 h 30 en continu", "08:30 - 17:30"),
    ("09h/12h", "09:00 - 12:00"), ("9h-12h et 14h-17h", "09:00 - 12:00 / 14:00 - 17:00"),
    ("9 h 12\u00a0h / 14 h 17 h", "09:00 - 12:00 / 14:00 - 17:00"), ("9-12/13-17", "09:00 - 12:00 / 13:00 - 17:00"),
    ("9-12H 14-18H", "09:00 - 12:00 / 14:00 - 18:00"), ("9h -11h 30 / 14 h – 16 h 45", "09:00 - 11:30 / 14:00 - 16:45"),
    ("9h12h 13h30 -16h30", "09:00 - 12:00 / 13:30 - 16:30"), ("9 : 00 - 12 : 00", "09:00 - 12:00"),
    ("8H30 – 12H / 13H30 - 17H", "08:30 - 12:00 / 13:30 - 17:00"),
]


def test_opening_hours_in_the_usual_french_writings_count_as_the_national_list_writes_them(tmp_path):
    header = ["id_fs", "lib_fs", "insee_dep", "h_lundi", "h_mardi"]
    rows = [[f"S{i}", f"Site {i}", "48", written, plain] for i, (written, plain) in enumerate(HOURS)]
    rows.append(["S99", "Site illisible", "48", "10h - 13h (1er samedi du mois)", None])
    db = tmp_path / "s.duckdb"
    with closing(store.connect(db)) as con:
        result = import_file(con, write_csv_fr(tmp_path / "liste.csv", header, rows, encoding="utf-8"), "maisons")
        got = con.execute("SELECT id_maison, h_lundi IS NULL, heures_hebdo FROM maisons_actifs ORDER BY ligne").fetchall()
    for (_, unknown, weekly), (written, plain) in zip(got, HOURS):
        minutes = sum(int(b[:2]) * 60 + int(b[3:]) - int(a[:2]) * 60 - int(a[3:])
                      for a, b in (span.split(" - ") for span in plain.split(" / ")))
        assert not unknown and weekly == 2 * minutes / 60, written  # Monday written one way, Tuesday the other
    assert got[-1][1:] == (True, None)  # a time that pairs with no other: unknown, and said
    assert any("« h_lundi » : 1 valeur(s) illisible(s)" in w for w in result.avertissements)


MONTH_WRITINGS = {  # one month, written as people write it in a month or date column
    "AAAA-MM": lambda d: d.strftime("%Y-%m"), "MM/AAAA": lambda d: d.strftime("%m/%Y"),
    "jj/mm/aaaa": lambda d: d.strftime("15/%m/%Y"), "date": lambda d: d.replace(day=15),
}
FILES = {  # how the file is saved: (suffix, writer)
    "csv-cp1252-point-virgule": (".csv", lambda p, h, r, t: write_csv_fr(p, h, r, t)),
    "csv-utf8-virgule": (".csv", lambda p, h, r, t: write_csv_fr(p, h, r, t, encoding="utf-8-sig", sep=",")),
    "csv-utf16-tabulation": (".csv", lambda p, h, r, t: write_csv_fr(p, h, r, t, encoding="utf-16", sep="\t")),
    "xlsx": (".xlsx", lambda p, h, r, t: write_xlsx(p, h, r, t)),
    "xls": (".xls", lambda p, h, r, t: write_xls(p, h, r, t)),
    "ods": (".ods", lambda p, h, r, t: write_ods(p, h, r, t)),
}


def big_activity(seed: int = 11) -> list[tuple]:
    rng = random.Random(seed)
    return [(m, mo, t, rng.choice([1, 3, 40, 1250, 23456])) for m in ("1", "2", "3", "4") for mo in MONTHS
            for t in THEMES]


@pytest.mark.parametrize("saved", list(FILES))
@pytest.mark.parametrize("month", list(MONTH_WRITINGS))
def test_the_same_activity_saved_and_written_many_ways_loads_the_same_rows(registry_db, tmp_path, saved, month):
    import datetime as dt

    records = big_activity()
    suffix, write = FILES[saved]
    header = ["Code Maison", "Mois" if month != "date" else "Date", "Thématique", "Nombre de demandes"]
    rows = [[m, MONTH_WRITINGS[month](dt.date.fromisoformat(mo + "-01")), THEMES[t],
             f"{nb:,}".replace(",", "\u00a0") if nb > 1000 and suffix == ".csv" else nb]  # "23 456" as text
            for m, mo, t, nb in records]
    rows.insert(5, ["Total", None, None, sum(r[3] for r in records[:5])])  # a total row in the middle of the data
    path = write(tmp_path / f"activite{suffix}", header, rows, [["Suivi de l'activité 2017"], []])
    got = loaded(registry_db, tmp_path, path, "activite", "SELECT id_maison, strftime(mois, '%Y-%m'), thematique, "
                 "nb FROM activite_actifs ORDER BY ALL")
    assert got == sorted(records)


SITES = [("S1", "France services de Mende", "48", "48095", 44.5181, 3.5006, "09:00 - 12:00 / 14:00 - 17:00"),
         ("S2", "France services de Bourg", "01", "01053", 46.2052, 5.2255, "08:30 - 12:30"),
         ("S3", "France services d'Ajaccio", "2A", "2A004", 41.9192, 8.7386, None),
         ("S4", "France services de Saint-Denis", "974", "97411", -20.8789, 55.4481, "13:30 - 16:30")]
DEPARTEMENT_WRITINGS = {"code": lambda d: d, "sans zéro": lambda d: d.lstrip("0") or d,
                        "code et nom": lambda d: {"48": "48 - Lozère", "01": "01 - Ain", "2A": "2A - Corse-du-Sud",
                                                  "974": "974 - La Réunion"}[d]}


@pytest.mark.parametrize("saved", ["csv-cp1252-point-virgule", "csv-utf8-virgule", "xlsx", "ods"])
@pytest.mark.parametrize("dep", list(DEPARTEMENT_WRITINGS))
def test_the_same_registry_saved_and_written_many_ways_loads_the_same_sites(tmp_path, saved, dep):
    suffix, write = FILES[saved]
    header = ["Identifiant", "Nom de la structure", "Département", "Code INSEE commune", "Latitude", "Longitude",
              "Horaires du lundi"]
    rows = [[i, nom, DEPARTEMENT_WRITINGS[dep](d), commune.lstrip("0") if dep == "sans zéro" else commune,
             str(lat).replace(".", ",") if suffix == ".csv" else lat, lon, hours]
            for i, nom, d, commune, lat, lon, hours in SITES]
    path = write(tmp_path / f"registre{suffix}", header, rows, [["Liste des France services"], []])
    with closing(store.connect(tmp_path / "s.duckdb")) as con:
        import_file(con, path, "maisons", accept_suggestions=True)
        got = con.execute("SELECT id_maison, nom, code_departement, code_commune, round(latitude, 4), "
                          "round(longitude, 4), heures_hebdo FROM maisons_actifs ORDER BY 1").fetchall()
    hours = {"09:00 - 12:00 / 14:00 - 17:00": 6.0, "08:30 - 12:30": 4.0, None: None, "13:30 - 16:30": 3.0}
    assert got == [(i, nom, d, commune, lat, lon, hours[h]) for i, nom, d, commune, lat, lon, h in SITES]


DATE_WRITINGS = {"jj/mm/aaaa": lambda d: d.strftime("%d/%m/%Y"), "aaaa-mm-jj": lambda d: d.isoformat(),
                 "jj.mm.aaaa": lambda d: d.strftime("%d.%m.%Y"), "date": lambda d: d}
SATISFACTION_WRITINGS = {"Très satisfait": ["TRÈS SATISFAIT", "tres satisfait", "Très satisfaits"],
                         "Plutôt satisfait": ["PLUTOT SATISFAIT", "plutôt satisfait", "Plutôt satisfaits"]}


@pytest.mark.parametrize("saved", ["csv-cp1252-point-virgule", "csv-utf16-tabulation", "xlsx", "ods"])
@pytest.mark.parametrize("date", list(DATE_WRITINGS))
def test_the_same_survey_saved_and_written_many_ways_loads_the_same_answers(registry_db, tmp_path, saved, date):
    import datetime as dt

    suffix, write = FILES[saved]
    rng = random.Random(5)
    answers = [(f"R{i:03d}", dt.date(2016, 11, 1 + i % 28), str(1 + i % 6), round(0.5 + rng.random(), 3),
                rng.choice(list(SATISFACTION_WRITINGS))) for i in range(60)]
    header = ["Identifiant réponse", "Date de réponse", "Maison", "Poids", "Satisfaction de l'accueil", *MOTIVES,
              "simplifie_quotidien"]
    rows = [[i, DATE_WRITINGS[date](d), m, str(w).replace(".", ",") if suffix == ".csv" else w,
             SATISFACTION_WRITINGS[s][k % 3], *(oui_non(k % (2 + j) == 0) for j in range(4)), "Oui"]
            for k, (i, d, m, w, s) in enumerate(answers)]
    path = write(tmp_path / f"usagers{suffix}", header, rows, [["Enquête usagers, automne 2016"]])
    got = loaded(registry_db, tmp_path, path, "usagers", "SELECT id_reponse, date_reponse, id_maison, round(poids, 3), "
                 "satisfaction_accueil FROM usagers_actifs ORDER BY 1")
    codes = {"Très satisfait": "tres_satisfait", "Plutôt satisfait": "plutot_satisfait"}
    assert got == [(i, d, m, w, codes[s]) for i, d, m, w, s in answers]
