"""Reading a user's spreadsheet into an Arrow table of text cells.

Workbooks (.xlsx, .xls, .ods) are parsed by fastexcel (calamine, into Arrow);
CSV text by pyarrow once its encoding, separator and header row are known.
No row-by-row Python: cells stay text here and are typed by the validator in
DuckDB. Every row keeps its number as the user sees it in the spreadsheet.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import ImportRefused, Problem, refuse
from .schema import Kind, normalize_key

MAX_TITLE_ROWS = 5  # the header may be preceded by up to 5 title or blank rows
SEPARATORS = (";", "\t", ",")
MAX_UNZIPPED = 2_000_000_000  # bytes: beyond, a workbook is treated as a zip bomb
MAX_RATIO = 200
LINE_COLUMN = "_ligne"


@dataclass
class RawTable:
    table: pa.Table  # one text column per recognised canonical column, plus _ligne
    headers: dict[str, str]  # canonical name -> header as written in the file
    format: str
    header_row: int  # 1-based
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.table.num_rows


def header_lookup(kind: Kind) -> dict[str, str]:
    return {key: col.name for col in kind.columns for key in col.header_keys()}


def match_header(cells: list, kind: Kind) -> dict[int, str]:
    """Position in the row -> canonical column, for the cells naming a column of the kind."""
    lookup = header_lookup(kind)
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        if cell is not None and (name := lookup.get(normalize_key(cell))):
            found[i] = name
    return found


def _best_header(rows: list[list], kind: Kind) -> tuple[int, dict[int, str]]:
    best = (-1, {})
    for i, cells in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        found = match_header(cells, kind)
        if len(set(found.values())) > len(set(best[1].values())):
            best = (i, found)
    return best


def detect_format(data: bytes, fichier: str) -> str:
    if not data or not data.strip():
        raise refuse("le fichier est vide.", fichier)
    if data[:4] == b"PK\x03\x04":
        return _zip_format(data, fichier)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    for magic, what in ((b"%PDF", "un document PDF"), (b"\x89PNG", "une image PNG"), (b"\xff\xd8\xff", "une image JPEG"),
                        (b"GIF8", "une image GIF"), (b"\x1f\x8b", "une archive compressée (gzip)")):
        if data.startswith(magic):
            raise refuse(f"ce fichier est {what}, pas un tableur (CSV, Excel ou OpenDocument).", fichier)
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("ce fichier n'est pas un tableur lisible (ni CSV, ni Excel, ni OpenDocument).", fichier)
    return "csv"


def _zip_format(data: bytes, fichier: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            unzipped = sum(i.file_size for i in infos)
            if unzipped > MAX_UNZIPPED or unzipped > MAX_RATIO * len(data) + 50_000_000:
                raise refuse("l'archive se décompresse en un volume démesuré ; elle est refusée par prudence.", fichier)
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return "xlsx"
            if "mimetype" in names and z.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                return "ods"
            if "word/document.xml" in names:
                raise refuse("ce fichier est un document Word, pas un classeur.", fichier)
    except zipfile.BadZipFile:
        raise refuse("le fichier est une archive ZIP endommagée, pas un classeur lisible.", fichier) from None
    raise refuse("le fichier est une archive ZIP qui ne contient pas de classeur Excel ou OpenDocument.", fichier)


def read_file(data: bytes, fichier: str, kind: Kind) -> RawTable:
    fmt = detect_format(data, fichier)
    if fmt == "csv":
        return _read_csv(data, fichier, kind)
    return _read_workbook(data, fichier, kind, fmt)


# --- Workbooks -------------------------------------------------------------

def _read_workbook(data: bytes, fichier: str, kind: Kind, fmt: str) -> RawTable:
    try:
        book = fastexcel.read_excel(data)
        best = None  # (score, sheet name, header index, found)
        for name in book.sheet_names:
            head = book.load_sheet(name, header_row=None, skip_rows=0, n_rows=MAX_TITLE_ROWS + 1, dtypes="string")
            rows = _arrow_rows(head.to_arrow())
            idx, found = _best_header(rows, kind)
            if best is None or len(set(found.values())) > len(set(best[3].values())):
                best = (len(found), name, idx, found)
        if best is None:
            raise refuse("le classeur ne contient aucune feuille.", fichier)
        _, sheet, idx, found = best
        if not found:
            raise _no_header(kind, fichier)
        batch = book.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_arrow()
    except ImportRefused:
        raise
    except Exception as exc:  # calamine's errors: corrupt, encrypted or truncated workbooks
        raise refuse(f"le classeur n'a pas pu être lu (fichier endommagé, protégé par un mot de passe "
                     f"ou d'un format non pris en charge) : {str(exc).splitlines()[0][:200]}", fichier) from None
    table = pa.Table.from_batches([batch])
    header_cells = [table.column(i)[idx].as_py() for i in range(table.num_columns)]
    body = table.slice(idx + 1)
    first_line = idx + 2  # fastexcel keeps leading empty rows (skip_rows=0): index 0 is row 1
    return _assemble(body, header_cells, found, first_line, fmt, idx + 1, kind, sheet=sheet)


def _arrow_rows(batch: pa.RecordBatch) -> list[list]:
    cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
    return [list(r) for r in zip(*cols)] if cols else []


# --- CSV -------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def _first_records(text: str, sep: str, count: int) -> list[tuple[list[str], int]]:
    """The first records with, for each, the number of physical lines read so far."""
    reader = csv.reader(io.StringIO(text[:200_000], newline=""), delimiter=sep)
    out = []
    try:
        for rec in reader:
            out.append((rec, reader.line_num))
            if len(out) >= count:
                break
    except csv.Error:
        pass
    return out


def _read_csv(data: bytes, fichier: str, kind: Kind) -> RawTable:
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise refuse("le fichier est vide.", fichier)
    best = None  # (score, width, sep, record index, found, records)
    for sep in SEPARATORS:
        records = _first_records(text, sep, MAX_TITLE_ROWS + 1)
        idx, found = _best_header([r for r, _ in records], kind)
        score = (len(set(found.values())), len(records[idx][0]) if idx >= 0 else 0)
        if best is None or score > best[0]:
            best = (score, sep, idx, found, records)
    (_, _), sep, idx, found, records = best
    if not found:
        raise _no_header(kind, fichier)
    header_cells, lines_read = records[idx]
    body_start = _offset_after_lines(text, lines_read)
    body_text = text[body_start:]
    bad_rows: list[Problem] = []
    first_line = idx + 2

    def on_invalid(row):
        bad_rows.append(Problem(f"{row.actual_columns} valeurs au lieu de {row.expected_columns} "
                                f"(séparateur « {_sep_name(sep)} » attendu)", ligne=None if row.number is None
                                else row.number + idx + 1))
        return "skip"

    names = [f"c{i}" for i in range(len(header_cells))]
    if body_text.strip():
        try:
            table = pacsv.read_csv(
                io.BytesIO(body_text.encode("utf-8")),
                read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     null_values=[""], strings_can_be_null=True),
            )
        except pa.ArrowInvalid as exc:
            raise refuse(f"le fichier CSV est mal formé : {str(exc).splitlines()[0][:200]}", fichier) from None
    else:
        table = pa.table({n: pa.array([], pa.string()) for n in names})
    if bad_rows:
        raise ImportRefused(bad_rows, fichier=fichier)
    raw = _assemble(table, header_cells, found, first_line, "csv", idx + 1, kind)
    raw.warnings.insert(0, f"CSV lu en {encoding}, séparateur « {_sep_name(sep)} ».")
    return raw


def _sep_name(sep: str) -> str:
    return {";": "point-virgule", ",": "virgule", "\t": "tabulation"}[sep]


def _offset_after_lines(text: str, lines: int) -> int:
    offset = 0
    for i, line in enumerate(io.StringIO(text, newline="")):
        if i >= lines:
            break
        offset += len(line)
    return offset


# --- Common ------------------------------------------------------------------

def _no_header(kind: Kind, fichier: str) -> ImportRefused:
    expected = ", ".join(c.name for c in kind.columns if c.required)
    return refuse(f"aucune ligne d'en-tête reconnue dans les {MAX_TITLE_ROWS + 1} premières lignes pour un fichier "
                  f"« {kind.label} » (colonnes attendues : {expected}).", fichier)


def _assemble(body: pa.Table, header_cells: list, found: dict[int, str], first_line: int, fmt: str,
              header_row: int, kind: Kind, sheet: str | None = None) -> RawTable:
    fichier_problems: list[Problem] = []
    seen: dict[str, int] = {}
    for pos, name in sorted(found.items()):
        if name in seen:
            fichier_problems.append(Problem(
                f"deux colonnes désignent « {name} » (« {header_cells[seen[name]]} » et « {header_cells[pos]} »)",
                ligne=header_row))
        else:
            seen[name] = pos
    if fichier_problems:
        raise ImportRefused(fichier_problems)
    warnings = []
    ignored = [str(c) for i, c in enumerate(header_cells) if i not in found and c not in (None, "")]
    if ignored:
        warnings.append("Colonnes inconnues ignorées : " + ", ".join(f"« {c} »" for c in ignored) + ".")
    columns = {name: _clean_text(body.column(pos)) for name, pos in seen.items()}
    columns[LINE_COLUMN] = pa.array(range(first_line, first_line + body.num_rows), pa.int64())
    table = pa.table(columns)
    # Blank rows (every recognised cell empty) are skipped, as a user would expect.
    blank = None
    for name in seen:
        empty = pc.is_null(table.column(name))
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is not None and table.num_rows:
        table = table.filter(pc.invert(blank))
    return RawTable(table=table, headers={n: str(header_cells[p]) for n, p in seen.items()}, format=fmt,
                    header_row=header_row, sheet=sheet, warnings=warnings)


def _clean_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim cells; a blank cell becomes null."""
    col = col.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
