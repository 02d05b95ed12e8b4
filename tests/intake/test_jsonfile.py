"""JSON and GeoJSON read as a stream: the nesting measured on the bytes as a parser would, the records gathered by
batches into the same columns as a whole read would give, the memory bounded by the file and its table."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msap_stats.errors import ImportRefused
from msap_stats.intake import jsonfile
from tests.conftest import ROOT, SHARED
from tests.hostile import big_geojson

TEXT = st.text(alphabet=st.sampled_from('ab"\\[]{}\n\u00e9'), max_size=8)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=30)


def _true_depth(v) -> int:
    if isinstance(v, list):
        return 1 + max(map(_true_depth, v), default=0)
    if isinstance(v, dict):
        return 1 + max(map(_true_depth, v.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(VALUES, st.integers(1, 9))
def test_depth_is_the_nesting_a_parser_reads(value, piece):
    """Quotes, backslashes and brackets inside strings, and pieces cut anywhere (but never after a backslash)."""
    old, jsonfile._PIECE = jsonfile._PIECE, piece
    try:
        assert jsonfile.depth(json.dumps(value, ensure_ascii=False).encode()) == _true_depth(value)
    finally:
        jsonfile._PIECE = old


def _columns(table) -> dict[str, list]:
    return {col[0].as_py(): col.to_pylist()[1:] for col in table.columns}


def test_records_gathered_by_batches_as_a_whole_read_would(monkeypatch):
    """A key first met after a batch is null before it; nested values kept as JSON text; numbers as written."""
    monkeypatch.setattr(jsonfile, "BATCH", 2)
    records = [{"id": i, "nom": f"M{i}"} for i in range(5)] + [{"id": 5, "tard": {"a": [1, 2]}, "x": 1.5}]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": r}
        for r in records]}
    table, count, coords = jsonfile.read(json.dumps(doc).encode(), "r.geojson")
    cols = _columns(table)
    assert count == 6 and coords
    assert cols["tard"] == [None] * 5 + ['{"a": [1, 2]}'] and cols["x"] == [None] * 5 + ["1.5"]
    assert cols["id"] == [str(i) for i in range(6)] and cols["longitude"] == ["2.35"] * 6
    plain, n, coords = jsonfile.read(json.dumps({"meta": {"n": 6}, "data": records}).encode(), "r.json")
    assert n == 6 and _columns(plain)["nom"][:5] == [f"M{i}" for i in range(5)]
    assert _columns(plain)["longitude"] == [None] * 6  # records without a point: no coordinates


@pytest.mark.parametrize("data, words", [
    (b'{"type": "FeatureCollection", "features": [', "mal formé (ligne 1, colonne"),
    (b'[{"a": 1},\n {"a": 2,,}]', "mal formé (ligne 2, colonne"),
    (b'[{"a": 1}, 3]', "ni un GeoJSON"),
    (b'{"a": [1, 2]}', "ni un GeoJSON"),
    (b'["' + b'[' * 1000 + b'"]', None),  # brackets in a string are text
    (b'[' * 300 + b']' * 300, "plus de 256 niveaux"),
    ('[{"a": "é"}]'.encode("latin-1"), "pas du texte UTF-8"),
])
def test_refusals_say_what_is_wrong(data, words):
    if words is None:
        with pytest.raises(ImportRefused, match="ni un GeoJSON"):  # a list of one text, not of records
            jsonfile.read(data, "f.json")
        return
    with pytest.raises(ImportRefused) as refused:
        jsonfile.read(data, "f.json")
    assert words in str(refused.value)


MEASURE = """
import resource, sys
from pathlib import Path
from msap_stats.intake import jsonfile
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = Path(sys.argv[1]).read_bytes()
table, count, coords = jsonfile.read(data, "registre.geojson")
print(count, table.num_columns, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_a_large_geojson_takes_its_size_and_its_table_not_ten_times_it(tmp_path):
    """44 MB of the national list as GeoJSON: a whole read (json.loads) took 6.6 times the file in memory."""
    path = big_geojson(tmp_path / "registre.geojson", SHARED / "liste-fs-20240801.csv", 20)
    size_mb = path.stat().st_size / 2**20
    run = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    count, columns, extra_mb = map(int, run.stdout.split())
    assert count == 20 * 2845 and columns == 24  # 22 properties, then longitude and latitude from the points
    assert extra_mb < 4 * size_mb, (extra_mb, size_mb)
