"""A bus's stops, as ANCT's cartography exports them (a GeoJSON of points, one per stop, each carrying the bus's
name): never new Maisons, but the stops of the Maison the national list already holds; their hours count for its
opening; a stop geocoded far from the bus's département is said before writing."""

from __future__ import annotations

import csv
import json

import pytest

from msap_stats import store
from msap_stats.intake import assistant
from msap_stats.intake.importer import import_file, rollback
from msap_stats.intake.profiles import Choices
from msap_stats.errors import ImportRefused
from tests.conftest import REGISTRY
from tests.test_cli import cli

BUS = "Bus France services du Ruffecois"
# (commune, code, place, day, hours, longitude, latitude): the Emmabüs's round as the 2024 list's comment tells it,
# plus a Saturday market; one stop geocoded in Provence by a geocoder that took another Luxé.
STOPS = [
    ("Saint-Fraigne", "16316", "Place de la mairie", "lundi", "09:30 - 15:30", 0.0217, 45.9553),
    ("Tusson", "16390", "Salle des fêtes", "mardi", "09:00 - 15:30", 0.0642, 45.9339),
    ("Nanteuil-en-Vallée", "16242", "Mairie", "mercredi", "09:00 - 15:30", 0.3317, 46.0003),
    ("Valence", "16393", "Place de l'église", "jeudi", "09:30 - 12:30", 0.3197, 45.8870),
    ("Val de Bonnieure", "16300", "Mairie", "vendredi", "08:45 - 12:15", 0.2750, 45.8610),
    ("Fouqueure", "16143", "Mairie", "vendredi", "13:30 - 16:30", 0.0800, 45.8910),
    ("La Forêt-de-Tessé", "16142", "Mairie", "mardi", "09:00 - 12:00", 0.0590, 46.0650),
    ("Charmé", "16081", "Place", "mardi", "13:30 - 16:30", 0.0550, 45.9500),
    ("Saint-Amant-de-Boixe", "16299", "Abbaye", "mercredi", "09:30 - 15:30", 0.1340, 45.7990),
    ("Verdille", "16398", "Mairie", "jeudi", "08:45 - 12:15", -0.0630, 45.8720),
    ("Luxé", "16194", "Gare", "jeudi", "13:30 - 16:30", 5.4470, 43.5290),  # Provence
    ("Ruffec", "16292", "Marché", "samedi", "09:00 - 12:00", 0.1990, 46.0290),
]
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")


def stops_geojson(path) -> None:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"lib_fs": BUS, "format_fs": "Bus_équivalent", "insee_dep": "16", "lib_com": commune,
                                "insee_com": code, "adresse": place, **{f"h_{d}": hours if d == day else None
                                                                         for d in DAYS}}}
                for commune, code, place, day, hours, lon, lat in STOPS]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")


def minutes(cell: str | None) -> set[int]:
    out: set[int] = set()
    for part in (cell or "").split("/"):
        if "-" in part:
            a, b = (int(t.split(":")[0]) * 60 + int(t.split(":")[1]) for t in part.split("-"))
            out |= set(range(a, b))
    return out


@pytest.fixture
def con(tmp_path):
    if not REGISTRY.exists():
        pytest.skip("liste nationale absente")
    c = store.connect(tmp_path / "arrets.duckdb")
    import_file(c, REGISTRY, "maisons", accept_suggestions=True)
    yield c
    c.close()


def bus(con) -> tuple:
    return con.execute("SELECT id_maison, heures_hebdo, jours_ouverture FROM maisons_v WHERE nom = ?",
                       [BUS]).fetchall()[0]


def test_a_bus_stops_dropped_as_a_registry_are_no_new_maisons(con, tmp_path):
    path = tmp_path / "emmabus.geojson"
    stops_geojson(path)
    before = store.row_counts(con)
    insp = assistant.inspect(con, path.read_bytes(), path.name, "maisons", accept_suggestions=True)
    assert not insp.ready and insp.looks_like == "arrets"
    said = insp.problems().problems[0].raison
    assert f"{bus(con)[0]} « {BUS} »" in said and "ce sont ses arrêts, pas 12 Maisons" in said
    with pytest.raises(ImportRefused):
        import_file(con, path, "maisons", accept_suggestions=True)
    assert store.row_counts(con) == before


def test_a_bus_stops_are_kept_as_its_stops_and_count_for_its_opening(con, tmp_path):
    path = tmp_path / "emmabus.geojson"
    stops_geojson(path)
    id_bus, hours_before, days_before = bus(con)
    insp = assistant.inspect(con, path.read_bytes(), path.name, "arrets", accept_suggestions=True,
                             accept_maison=False)
    assert insp.maison_proposal.id_maison == id_bus and not insp.ready  # proposed, to be chosen
    chosen = assistant.inspect(con, path.read_bytes(), path.name, "arrets", choices=Choices(maison=id_bus))
    assert chosen.ready and chosen.rows_ready == len(STOPS)
    warned = "\n".join(chosen.warnings)
    assert "1 arrêt(s) aux coordonnées hors du département de leur Maison" in warned and "Gare, Luxé" in warned
    result = import_file(con, path, "arrets", choices=Choices(maison=id_bus, drop_misplaced=True))
    assert result.lignes_chargees == len(STOPS) and store.row_counts(con)["maisons"] == 2845
    stored = con.execute("SELECT commune, lieu, latitude FROM arrets_actifs WHERE id_maison = ? ORDER BY commune",
                         [id_bus]).fetchall()
    assert [s[0] for s in stored] == sorted(s[0] for s in STOPS)
    assert next(s for s in stored if s[0] == "Luxé")[2] is None  # the Provence point dropped, as chosen
    # The opening: each day, the union of the bus's own hours and its stops' (computed here from the files).
    with open(REGISTRY, encoding="utf-8", newline="") as f:
        own = next(r for r in csv.DictReader(f) if r["id_fs"] == id_bus)
    per_day = {d: minutes(own[f"h_{d}"]) | set().union(*(minutes(h) for _, _, _, day, h, _, _ in STOPS if day == d))
               for d in DAYS}
    _, hours, days = bus(con)
    assert hours == pytest.approx(sum(len(m) for m in per_day.values()) / 60)
    assert days == sum(1 for m in per_day.values() if m) and days == days_before + 1 and hours > hours_before
    rollback(con, result.import_id)  # the stops rolled back: the bus's own opening again
    assert bus(con) == (id_bus, hours_before, days_before)


def test_command_line_imports_stops_for_the_maison_named(con, tmp_path):
    path = tmp_path / "emmabus.geojson"
    stops_geojson(path)
    db = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    id_bus = bus(con)[0]
    con.close()
    refused = cli("import", str(path), "--kind", "maisons", "--db", db, "--accept-suggestions")
    assert refused.returncode == 1 and "--kind arrets" in refused.stderr
    run = cli("import", str(path), "--kind", "arrets", "--db", db, "--maison", id_bus)
    assert run.returncode == 0, run.stderr
    assert "12 ligne(s) chargée(s)" in run.stdout
