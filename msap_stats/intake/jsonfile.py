"""A JSON or GeoJSON file read as a stream: bounded in depth and in memory, whatever its size.

A national registry as GeoJSON is a few hundred MB; parsed whole (``json.loads``) it takes ten times its size in
Python objects. Here the records are parsed one at a time (ijson, on yajl's C parser) and their cells gathered into
Arrow columns by batches, so that the memory taken is the file and its table. The nesting is measured first, on
the bytes (a file nested a hundred thousand deep would cost the streaming parser quadratic memory); no data file
needs more than a few levels.
"""

from __future__ import annotations

import io
import json

import ijson
import numpy as np
import pyarrow as pa

from ..errors import refuse
from ..fmt import nombre

MAX_DEPTH = 256  # a GeoJSON of multipolygons nests 8 levels
BATCH = 20_000  # records gathered before their cells become Arrow arrays
_PIECE = 1 << 23  # bytes of the file measured at once
_KEEP = bytes(sorted(set(range(256)) - set(b'"[]{}')))  # every byte but quotes and brackets (deleted)
_OPEN, _CLOSE, _QUOTE = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8), ord('"')
LONGITUDES, LATITUDES = {"longitude", "lon", "lng", "long"}, {"latitude", "lat"}


def depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects, brackets inside strings left out; in C and numpy, by pieces.

    In each piece, escapes are removed first (``\\\\`` then ``\\"``, left to right as a parser reads them), so
    that every quote left opens or closes a string; of the rest only quotes and brackets are kept. A piece never
    ends on a backslash, so that an escape is never cut."""
    inside, level, top, start = 0, 0, 0, 0
    while start < len(data):
        end = min(start + _PIECE, len(data))
        while end < len(data) and data[end - 1] == 0x5C:
            end += 1
        marks = data[start:end].replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _KEEP)
        start = end
        b = np.frombuffer(marks, np.uint8)
        if not len(b):
            continue
        quotes = np.cumsum(b == _QUOTE, dtype=np.int64) + inside
        step = np.isin(b, _OPEN).astype(np.int8) - np.isin(b, _CLOSE).astype(np.int8)
        step = step[(quotes & 1 == 0) & (step != 0)]
        inside = int(quotes[-1])
        if len(step):
            levels = np.cumsum(step, dtype=np.int64) + level
            top, level = max(top, int(levels.max())), int(levels[-1])
    return top


def _malformed(data: bytes, exc: Exception, fichier: str | None):
    """A French refusal for a JSON the parser stopped on, with its line and column where they can be known."""
    where = ""
    if len(data) <= 20 * 2**20:  # small enough to be read whole once more, for the place of the fault
        try:
            json.loads(data)
        except json.JSONDecodeError as err:
            where = f" (ligne {err.lineno}, colonne {err.colno})"
        except (ValueError, RecursionError):
            pass
    return refuse(f"le fichier JSON est mal formé{where} ; réenregistrez-le, ou exportez-le en CSV.", fichier)


def _records_prefix(data: bytes) -> str | None:
    """Where the records are: ``item`` for a list, ``features.item`` for a GeoJSON, ``<clé>.item`` for the first
    list of objects a wrapper holds; None when the file holds no list of records."""
    events = ijson.parse(io.BytesIO(data))
    kind = next(events, (None, None, None))[1]
    if kind == "start_array":
        return "item"
    if kind != "start_map":
        return None
    key = None
    for prefix, event, value in events:
        if prefix == "" and event == "map_key":
            key = value
        elif prefix == key and event == "start_array":
            first = next(events, (None, None, None))[1]
            if key == "features" or first == "start_map":
                return f"{key}.item" if "." not in key else None
        elif prefix == "" and event == "end_map":
            return None
    return None


def _cell(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


class _Columns:
    """Cells gathered by key, as Arrow arrays every ``BATCH`` records; a key first met late is null before."""

    def __init__(self):
        self.chunks: dict[str, list[pa.Array]] = {}
        self.batch: dict[str, list] = {}
        self.done = self.count = 0

    def add(self, props: dict) -> None:
        for k in props:
            if k not in self.batch:
                self.batch[k] = [None] * (self.count - self.done)
                self.chunks[k] = [pa.nulls(self.done, pa.string())] if self.done else []
        for k, col in self.batch.items():
            v = props.get(k)
            col.append(v if v is None or v.__class__ is str else _cell(v))
        self.count += 1
        if self.count - self.done >= BATCH:
            self.flush()

    def flush(self) -> None:
        for k, col in self.batch.items():
            self.chunks[k].append(pa.array(col, pa.string()))
            col.clear()
        self.done = self.count


def read(data: bytes, fichier: str | None) -> tuple[pa.Table, int, bool]:
    """(the table of text cells, its header as first row; the number of records; whether the coordinates were
    read from the points). A FeatureCollection's properties are its columns, the point gives longitude and
    latitude; a plain list of records (an API's export) is read the same way, each record being the properties."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("le fichier JSON est mal formé : ce n'est pas du texte UTF-8 ; réenregistrez-le, ou "
                     "exportez-le en CSV.", fichier) from None
    if depth(data) > MAX_DEPTH:
        raise refuse(f"le fichier est imbriqué sur plus de {nombre(MAX_DEPTH)} niveaux, ce qu'aucun fichier de "
                     "données ne fait ; il est refusé.", fichier)
    props_cols, coords = _Columns(), ([], [])
    try:
        prefix = _records_prefix(data)
        plain = prefix != "features.item"  # records are their own properties, without geometry
        for record in ijson.items(io.BytesIO(data), prefix, use_float=True) if prefix else ():
            if plain and not isinstance(record, dict):
                prefix = None
                break
            props = record if plain else (record.get("properties") or {}) if isinstance(record, dict) else {}
            props_cols.add(props if isinstance(props, dict) else {})
            geom = None if plain else record.get("geometry") if isinstance(record, dict) else None
            point = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
            ok = isinstance(point, list) and len(point) >= 2
            coords[0].append(_cell(point[0]) if ok else None)
            coords[1].append(_cell(point[1]) if ok else None)
    except ijson.JSONError as exc:
        raise _malformed(data, exc, fichier) from None
    if not prefix or not props_cols.count:
        raise refuse("le fichier JSON n'est ni un GeoJSON (« FeatureCollection » et ses « features ») ni une liste "
                     "d'enregistrements.", fichier)
    props_cols.flush()
    columns = {k: [pa.array([k], pa.string()), *chunks] for k, chunks in props_cols.chunks.items()}
    lower = {k.lower() for k in columns}
    add_coords = not (LONGITUDES & lower and LATITUDES & lower)
    if add_coords:
        columns["longitude"] = [pa.array(["longitude", *coords[0]], pa.string())]
        columns["latitude"] = [pa.array(["latitude", *coords[1]], pa.string())]
    table = pa.table({f"c{i}": pa.chunked_array(chunks, pa.string()) for i, chunks in enumerate(columns.values())})
    return table, props_cols.count, add_coords
