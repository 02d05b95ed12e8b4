"""Reading a user's file into sheets of text cells, before any column is interpreted.

Workbooks (.xlsx, .xls, .ods) are parsed once by fastexcel (calamine, into Arrow);
CSV text by pyarrow once its encoding and separator are known; a GeoJSON registry
becomes one sheet whose columns are the features' properties. No row-by-row
Python on the body: cells stay text here. Which row is the header, which
columns are months or totals, and what each column means are decided by
``layout``, ``matching`` and the ``assistant``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import ImportRefused, Problem, refuse
from . import jsonfile, sandbox
from .guard import UserFile, as_user_file, check_archive, check_xls, open_archive

HEAD_ROWS = 12  # the header is looked for among the first rows (title rows may precede it)
SEPARATORS = (";", "\t", ",")
LINE_COLUMN = "_ligne"
SHEET_COLUMN = "_feuille"
CELL_COLUMN = "_colonne"  # months as columns: the header of the cell a count was read from
MISSING_MARKS = ("NA", "N/A", "#N/A", "#NA", "NULL", "nan")  # R, Excel and database spellings of "no value"


@dataclass
class RawTable:
    """Cells of a file under the project's column names, as text, with the spreadsheet row of each."""

    table: pa.Table  # one text column per canonical column, plus _ligne (and _feuille for several sheets)
    headers: dict[str, str]  # canonical name -> header as written in the file
    format: str
    header_row: int  # 1-based
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> a survey's own categories, kept
    cell_header: str | None = None  # the project column whose cells have their own header (in CELL_COLUMN)
    drop_misplaced: bool = False  # a registry's coordinates out of their département: dropped rather than kept
    vague: str | None = None  # a survey's wave, as given at the import (for answers the file gives none)

    @property
    def rows(self) -> int:
        return self.table.num_rows


@dataclass
class Sheet:
    """One sheet (or the whole CSV): its first rows as lists, and its body on demand."""

    name: str | None
    head: list[list[str | None]]  # the first HEAD_ROWS rows
    _table: pa.Table | None = None  # workbooks: the whole sheet, loaded once
    _csv: "_CsvBody | None" = None  # CSV: the file, read from the header on

    def body(self, header_index: int) -> tuple[pa.Table, int]:
        """The rows under the header, cells cleaned (``clean_text``; text columns c0…cN), and the spreadsheet
        line of the first one."""
        if self._table is not None:
            table = self._table.slice(header_index + 1)
            names = [f"c{i}" for i in range(table.num_columns)]
            return pa.table(clean_columns(table), names=names), header_index + 2
        return self._csv.table(header_index, len(self.head[header_index])), header_index + 2


@dataclass
class Book:
    format: str
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)


def detect_format(data: bytes | UserFile, fichier: str) -> str:
    source = as_user_file(data, fichier)
    head = source.head(65536)
    if not head.strip() and not _something(source, len(head)):
        raise refuse("le fichier est vide.", fichier)
    if head.startswith(sandbox.ZIP_MAGIC):
        return _zip_format(source.read(), fichier)
    if head.startswith(sandbox.OLE_MAGIC):
        return "xls"
    for magic, what in ((b"%PDF", "un document PDF"), (b"\x89PNG", "une image PNG"), (b"\xff\xd8\xff", "une image JPEG"),
                        (b"GIF8", "une image GIF"), (b"\x1f\x8b", "une archive compressée (gzip)")):
        if head.startswith(magic):
            raise refuse(f"ce fichier est {what}, pas un tableur (CSV, Excel ou OpenDocument).", fichier)
    if b"\x00" in head[:8192] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("ce fichier n'est pas un tableur lisible (ni CSV, ni Excel, ni OpenDocument).", fichier)
    if sandbox.looks_like_json(head):
        return "geojson"
    return "csv"


def _something(source: UserFile, start: int) -> bool:
    """Whether the file holds anything but blanks from byte ``start`` on."""
    return any(_SOMETHING.search(chunk) for chunk in source.chunks(start))


ZIP_FORMATS = ("xlsx", "ods")


def _zip_format(data: bytes, fichier: str) -> str:
    """What an archive holds, told by its members' names (and an OpenDocument's first bytes): nothing inflated."""
    with open_archive(data, fichier) as z:
        names = {i.filename for i in z.infolist()}
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "mimetype" in names and _starts(z, "mimetype", b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if "word/document.xml" in names:
            raise refuse("ce fichier est un document Word, pas un classeur.", fichier)
    raise refuse("le fichier est une archive ZIP qui ne contient pas de classeur Excel ou OpenDocument.", fichier)


def _starts(archive: zipfile.ZipFile, name: str, prefix: bytes) -> bool:
    try:
        with archive.open(name) as member:
            return member.read(len(prefix)) == prefix
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        return False  # unreadable: not an OpenDocument (the archive's check says the rest)


def read_book(data: bytes | UserFile, fichier: str, score_head=None) -> Book:
    """The file's sheets. ``score_head(rows)`` ranks the CSV separators by how well a header is recognised. A file on
    disk (``UserFile``) is not held in memory when it is a CSV: its body is parsed as a stream."""
    source = as_user_file(data, fichier)
    fmt = detect_format(source, fichier)
    if fmt == "csv":
        return _read_csv(source, fichier, score_head or (lambda rows: 0))
    reading = sandbox.start("msap_stats.intake.reader:parse_untrusted", source.read(), fichier, fmt, fichier=fichier)
    if fmt in ZIP_FORMATS:  # inflated and checked here while the reading process parses it (two cores)
        try:
            check_archive(source.read(), fichier).close()
        except BaseException:
            reading.cancel()  # a refused archive is never read further
            raise
    return reading.result()


def parse_untrusted(data: bytes, fichier: str, fmt: str) -> Book:
    """A workbook or a JSON, parsed: in the limited process of ``sandbox``, never in the server."""
    if fmt == "geojson":
        return _read_geojson(data, fichier)
    return _read_workbook(data, fichier, fmt)


# --- Workbooks -------------------------------------------------------------

def _read_workbook(data: bytes, fichier: str, fmt: str) -> Book:
    sheets = []
    if fmt == "xls":
        check_xls(data, fichier)
    try:
        book = fastexcel.read_excel(data)
        for name in book.sheet_names:
            batch = book.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_arrow()
            table = pa.Table.from_batches([batch])  # fastexcel keeps leading empty rows: index 0 is row 1
            sheets.append(Sheet(name, _rows(table.slice(0, HEAD_ROWS)), _table=table))
    except ImportRefused:
        raise
    except Exception:  # calamine's errors: corrupt, encrypted or truncated workbooks (its English text left out)
        raise refuse("le classeur n'a pas pu être lu : il est endommagé, protégé par un mot de passe, ou d'un "
                     "format non pris en charge. Réenregistrez-le depuis le tableur (.xlsx), ou exportez-le en CSV.",
                     fichier) from None
    if not sheets:
        raise refuse("le classeur ne contient aucune feuille.", fichier)
    return Book(fmt, sheets)


def _rows(table: pa.Table) -> list[list]:
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [list(r) for r in zip(*cols)] if cols else []


# --- CSV -------------------------------------------------------------------
# The file's bytes are never decoded whole, nor held when the file is on disk: its encoding is known from the one
# pass that hashed it (``UserFile``), its head decoded for the header, and its body given to pyarrow as a stream,
# transcoded block by block (a Windows-1252 file of 150 MB would otherwise be held three times: bytes, Python text
# and UTF-8 copy).

HEAD_BYTES = 400_000  # the head of a CSV (its first records) is read from its first bytes


@dataclass
class _Encoded:
    codec: str  # Python codec name, also given to pyarrow
    label: str  # as said to the user
    start: int  # bytes of the byte-order mark


def _valid(source: UserFile, start: int, codec: str) -> bool:
    """Whether the whole file decodes, read in chunks (bounded memory)."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for chunk in source.chunks(start):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(source: UserFile, head: bytes, fichier: str) -> _Encoded:
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            if not _valid(source, 2, codec):
                raise refuse("le fichier est en UTF-16 mais tronqué ou endommagé (un nombre impair d'octets ou un "
                             "caractère incomplet) ; réenregistrez-le depuis le tableur, en CSV UTF-8 de préférence.",
                             fichier)
            return _Encoded(codec, "UTF-16", 2)
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if source.utf8:  # a byte-order mark is valid UTF-8 (U+FEFF)
        return _Encoded("utf-8", "UTF-8 (BOM)" if bom else "UTF-8", bom)
    if not source.cp1252_undefined:
        return _Encoded("cp1252", "Windows-1252", bom)
    return _Encoded("latin-1", "ISO-8859-1", bom)


def _head_text(head: bytes, enc: _Encoded) -> str:
    """The first characters of the file (a character cut at the end is left out)."""
    return codecs.getincrementaldecoder(enc.codec)().decode(head[enc.start:enc.start + HEAD_BYTES])


def _spaced(text: str) -> str:
    for space in NO_BREAK_SPACES:  # no-break spaces are spaces (the body's are replaced by clean_text)
        text = text.replace(space, " ")
    return text


def _first_records(text: str, sep: str, count: int) -> tuple[list[list[str]], list[int]]:
    """The first records and, for each, the number of physical lines read so far."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records, lines = [], []
    try:
        for rec in reader:
            records.append(rec)
            lines.append(reader.line_num)
            if len(records) >= count:
                break
    except csv.Error:
        pass
    return records, lines


def _read_csv(source: UserFile, fichier: str, score_head) -> Book:
    raw_head = source.head(HEAD_BYTES + 4)
    enc = _encoding(source, raw_head, fichier)
    head = _head_text(raw_head, enc)
    text = _spaced(head.lstrip("\ufeff"))
    if not text.strip() and not _something(source, enc.start + HEAD_BYTES):
        raise refuse("le fichier est vide.", fichier)
    best = None
    for sep in SEPARATORS:
        records, lines = _first_records(text, sep, HEAD_ROWS)
        cells = [[c if c != "" else None for c in r] for r in records]
        width = max((len(r) for r in records), default=0)
        score = (score_head(cells), width > 1, width)
        if best is None or score > best[0]:
            best = (score, sep, cells, lines)
    _, sep, cells, lines = best
    if not cells:
        raise refuse(f"aucune ligne lisible dans les {HEAD_BYTES // 1000} premiers Ko : le fichier n'a pas de "
                     "retour à la ligne, ou une cellule démesurée ; ce n'est pas un tableau. Réenregistrez-le en CSV "
                     "depuis le tableur.", fichier)
    return Book("csv", [Sheet(None, cells, _csv=_CsvBody(source, enc, head, sep, lines))],
                [f"CSV lu en {enc.label}, séparateur « {_sep_name(sep)} »."])


_SOMETHING = re.compile(rb"[^\s\x00]")


@dataclass
class _CsvBody:
    source: UserFile
    enc: _Encoded
    head: str  # the head as decoded, byte-order mark and no-break spaces included
    sep: str
    lines: list[int]  # physical lines read after each head record

    def table(self, header_index: int, width: int) -> pa.Table:
        start = self._offset(self.lines[header_index])
        names = [f"c{i}" for i in range(width)]
        schema = pa.schema([(n, pa.string()) for n in names])
        if not _something(self.source, start):
            return schema.empty_table()
        bad_rows: list[Problem] = []

        def on_invalid(row):
            bad_rows.append(Problem(f"{row.actual_columns} valeurs au lieu de {row.expected_columns} "
                                    f"(séparateur « {_sep_name(self.sep)} » attendu)",
                                    ligne=None if row.number is None else row.number + header_index + 1))
            return "skip"

        try:
            with self._body(start) as body:
                columns = clean_columns(pacsv.read_csv(  # parsed on every core; a clean column kept as read
                    body,
                    read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22,
                                                   encoding="utf8" if self.enc.codec == "utf-8" else self.enc.codec),
                    parse_options=pacsv.ParseOptions(delimiter=self.sep, newlines_in_values=True,
                                                     invalid_row_handler=on_invalid),
                    convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                         null_values=[""], strings_can_be_null=True),
                ))
        except pa.ArrowInvalid as exc:
            unclosed = "straddling" in str(exc) or "quote" in str(exc).lower()
            raise refuse("le fichier CSV est mal formé : " + (
                "une cellule ouverte par un guillemet (\") n'est jamais refermée" if unclosed else
                "une ligne ne se découpe pas en cellules") + " ; réenregistrez-le depuis le tableur.") from None
        self.source.check_unchanged()
        _checked(bad_rows)
        return pa.table(columns, schema=schema)

    def _body(self, start: int) -> pa.NativeFile:
        """The file from byte ``start`` on, as a stream: from memory without a copy, or from the disk."""
        if self.source.data is not None:
            return pa.BufferReader(pa.py_buffer(memoryview(self.source.data)[start:]))
        stream = open(self.source.path, "rb")  # a name any bytes may spell (pyarrow's own files take UTF-8 names)
        stream.seek(start)
        return pa.PythonFile(stream, mode="r")

    def _offset(self, lines: int) -> int:
        """The byte where the body starts: after the head's first ``lines`` physical lines."""
        chars = 0
        for i, line in enumerate(io.StringIO(self.head, newline="")):
            if i >= lines:
                break
            chars += len(line)
        return self.enc.start + len(self.head[:chars].encode(self.enc.codec))


def _checked(bad_rows: list[Problem]) -> None:
    if bad_rows:
        raise ImportRefused(sorted(bad_rows, key=lambda p: p.ligne or 0))


def _sep_name(sep: str) -> str:
    return {";": "point-virgule", ",": "virgule", "\t": "tabulation"}[sep]


# --- GeoJSON -----------------------------------------------------------------

def _read_geojson(data: bytes, fichier: str) -> Book:
    """A GeoJSON's points or a JSON list of records, read as a stream (``jsonfile``): one sheet of text cells."""
    table, count, add_coords = jsonfile.read(data, fichier)
    note = f"GeoJSON : {count} objet(s)" + (", coordonnées lues sur les points." if add_coords else ".")
    return Book("geojson", [Sheet(None, _rows(table.slice(0, HEAD_ROWS)), _table=table)], [note])


# --- Cells ---------------------------------------------------------------------

def _pyarrow_without_pandas() -> None:
    """pyarrow imports pandas (a fifth of a second, 50 MB) at its first conversion of a Python list, only to check
    whether the list is a pandas object. When pandas is not loaded yet, pyarrow is told before that first
    conversion that pandas is absent: the import path never hands it a pandas object, and pyarrow imports pandas
    when it is asked for pandas (``to_pandas``)."""
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)  # ``import pandas`` fails while this holds
    try:
        pa.array([], pa.string())
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ModuleNotFoundError("pandas", name="pandas")


_pyarrow_without_pandas()
_NO_VALUE = pa.array(["", *MISSING_MARKS], pa.string())
NO_BREAK_SPACES = ("\u00a0", "\u202f")


def clean_columns(table: pa.Table) -> list[pa.ChunkedArray]:
    """``clean_text`` on every column of ``table``, which the caller must not keep: each raw column is released as
    soon as it is cleaned, so a big file is not held twice. Columns run in parallel (Arrow releases the GIL)."""
    raw = table.columns
    del table

    def clean(i: int) -> pa.ChunkedArray:
        col, raw[i] = raw[i], None
        return clean_text(col)

    return each_column(clean, range(len(raw)), len(raw[0]) if raw else 0)


def each_column(work, items, rows: int) -> list:
    """``work`` on each of ``items`` (a table's columns of ``rows`` rows), in order: in parallel on every core when
    the columns are long enough to pay for the threads (Arrow's compute functions release the GIL)."""
    items = list(items)
    if rows < 10_000 or len(items) < 2:
        return [work(i) for i in items]
    with ThreadPoolExecutor(min(os.cpu_count() or 1, len(items))) as pool:
        return list(pool.map(work, items))


def clean_text(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Trim cells (no-break spaces are spaces); a blank cell, or a spelling of "no value" (NA, #N/A…), is null.

    Each distinct value is cleaned once (a column of requests writes a few hundred values two million times): a
    column whose values are all clean is returned as it is, without a copy; the others are rewritten through their
    cleaned distinct values. A column of mostly distinct values is cleaned cell by cell."""
    if isinstance(col, pa.ChunkedArray):
        return pa.chunked_array([clean_text(chunk) for chunk in col.chunks], pa.string())
    col = col.cast(pa.string())
    if col.null_count == len(col):
        return col
    encoded = pc.dictionary_encode(col)
    values = encoded.dictionary
    if 2 * len(values) > len(col):
        return _clean_values(col)
    cleaned = _clean_values(values)
    return col if cleaned.equals(values) else pc.take(cleaned, encoded.indices)


def _clean_values(col: pa.Array) -> pa.Array:
    for space in NO_BREAK_SPACES:  # most files have none: look before replacing
        if pc.any(pc.match_substring(col, space)).as_py():
            col = pc.replace_substring(col, space, " ")
    trimmed = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.is_in(trimmed, value_set=_NO_VALUE), pa.scalar(None, pa.string()), trimmed)
