"""The layout of a file: which row is the header, and how an activity sheet is drawn.

Activity comes in three shapes, all turned into one row per Maison × month ×
thematique before any column is interpreted:
- long: one row per request or per aggregated count, with a month or date column;
- months as columns: a row per thematique, one column per month (dates, French
  month names, "01/2017"), unpivoted here into "Mois" and "Nombre";
- one sheet per month: the month in the sheet's name or in a title cell.
Rows and columns labelled total / sous-total / ensemble are left out; where the
file's total disagrees with the sum of its rows, a warning says so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import refuse
from ..fmt import MONTH_WORDS, MONTH_WORDS_PATTERN, mois, nombre
from .reader import CELL_COLUMN, LINE_COLUMN, SHEET_COLUMN, Book, Sheet
from ..schema import Kind, normalize_key
from .matching import NAME_THRESHOLD, _name_score, words

MONTH_COLUMN, COUNT_COLUMN = "Mois", "Nombre"
# The one rule of a total row or column ("Total", "TOTAL général", "Sous-total", "Ensemble", "Cumul"), on its words.
TOTAL_RE = re.compile(r"^(sous ?)?(total|totaux)\b|^ensemble\b|^cumul\b")
# A cheap first pass over a whole column of labels, wider than the rule: what it lets through is judged by the rule.
TOTAL_HINT = r"(?i)tota|ensemble|cumul"
MAX_HEADER_CELLS = 300


# --- Months -----------------------------------------------------------------------

def year_in(*texts) -> int | None:
    for t in texts:
        m = re.search(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)", str(t or ""))
        if m:
            return int(m.group(1))
    return None


def _year(text: str | None, hint: int | None) -> int | None:
    if not text:
        return hint
    y = int(text.lstrip("'"))
    return y + 2000 if y < 100 else y


def parse_month(cell, hint: int | None = None) -> dt.date | None:
    """The month a header cell names: a date, "janv. 2017", "Janvier", "01/2017", "2017-01", a spreadsheet serial."""
    if cell is None:
        return None
    t = words(cell)
    if not t:
        return None
    m = re.fullmatch(r"((?:19|20)\d\d) (\d{1,2})(?: (\d{1,2}))?(?: 00 00 00)?", t)  # 2017-01 / 2017-01-01 00:00:00
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(?:(\d{1,2}) )?(\d{1,2}) ((?:19|20)\d\d)", t)  # 01/2017, 01/01/2017
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(3)), int(m.group(2)), 1)
    m = re.fullmatch(rf"(?:mois (?:de |d )?)?({MONTH_WORDS_PATTERN})(?: ((?:19|20)\d\d|\d\d))?", t)
    if m:
        year = _year(m.group(2), hint)
        return dt.date(year, MONTH_WORDS[m.group(1)], 1) if year else None
    if re.fullmatch(r"\d{5}(\.0+)?", str(cell).strip()) and 30000 <= float(cell) <= 60000:  # a date cell read as a number
        d = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(cell)))
        return d.replace(day=1)
    return None


def find_month(text, hint: int | None = None) -> dt.date | None:
    """A month mentioned inside a longer text: "Activité de janvier 2017", "Mois : 03/2017"."""
    if text is None:
        return None
    t = words(text)
    m = re.search(rf"\b({MONTH_WORDS_PATTERN}) ((?:19|20)\d\d)\b", t)
    if m:
        return dt.date(int(m.group(2)), MONTH_WORDS[m.group(1)], 1)
    m = re.search(r"\b((?:19|20)\d\d) (0?[1-9]|1[0-2])\b", t) or None
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    m = re.search(r"\b(0?[1-9]|1[0-2]) ((?:19|20)\d\d)\b", t)
    if m:
        return dt.date(int(m.group(2)), int(m.group(1)), 1)
    return parse_month(text, hint)


def is_total(cell) -> bool:
    return cell is not None and bool(TOTAL_RE.match(words(cell)))


# --- Header row -----------------------------------------------------------------

def row_score(cells: list, kind: Kind, hint: int | None) -> tuple[int, int]:
    """(project columns named in the row, month headers in the row)."""
    names: set[str] = set()
    months = 0
    for cell in cells[:MAX_HEADER_CELLS]:
        if cell is None or not str(cell).strip():
            continue
        if kind.name == "activite" and parse_month(cell, hint):
            months += 1
            continue
        for col in kind.columns:
            if col.name not in names and _name_score(str(cell), col)[0] >= NAME_THRESHOLD:
                names.add(col.name)
                break
    return len(names), months


def _rank(score: tuple[int, int]) -> int:
    names, months = score
    return 10 * names + (months if months >= 2 else 0)


def best_header(rows: list[list], kind: Kind, hint: int | None) -> tuple[int, int]:
    """(index of the header row, its rank); with nothing recognised, the first row of several filled cells."""
    best_i, best_rank = -1, 0
    for i, cells in enumerate(rows):
        rank = _rank(row_score(cells, kind, hint))
        if rank > best_rank:
            best_i, best_rank = i, rank
    if best_i < 0:
        filled = [i for i, r in enumerate(rows) if sum(c is not None and str(c).strip() != "" for c in r) >= 2]
        best_i = filled[0] if filled else 0
    return best_i, best_rank


def head_score(kind: Kind, hint: int | None):
    return lambda rows: best_header(rows, kind, hint)[1]


# --- The frame ---------------------------------------------------------------------

@dataclass
class Frame:
    """A file's rows in long shape, under the file's own headers (as text), before any mapping."""

    table: pa.Table  # the file's columns, plus _ligne (and _feuille when several sheets)
    headers: list[str]
    fixed: dict[str, str]  # columns made by the layout -> the project column they are
    shape: str  # "long", "mois_en_colonnes", "feuille_par_mois"
    header_row: int
    recognised: bool  # a header row was recognised (not only guessed)
    sheets: list[str | None]
    title_text: list[str]
    format: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


SHAPE_LABELS = {"long": "une ligne par enregistrement", "mois_en_colonnes": "mois en colonnes",
                "feuille_par_mois": "une feuille par mois"}


def _names(cells: list, table_width: int) -> list[str | None]:
    names, seen = [], {}
    for i in range(table_width):
        cell = cells[i] if i < len(cells) else None
        name = str(cell).strip() if cell is not None and str(cell).strip() else None
        if name is None:
            names.append(None)
            continue
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _to_number(v) -> float | None:
    if v is None:
        return None
    try:
        return float(str(v).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None


@dataclass
class _Part:
    table: pa.Table
    sheet: str | None
    month_cols: dict[str, dt.date]
    notes: list[str]
    warnings: list[str]


def _sheet_part(sheet: Sheet, idx: int, kind: Kind, fmt: str, hint: int | None,
                context_month: dt.date | None) -> _Part:
    body, first_line = sheet.body(idx)
    header_cells = sheet.head[idx] if idx < len(sheet.head) else []
    names = _names(header_cells, body.num_columns)
    columns: dict[str, pa.ChunkedArray] = {}
    rows = body.num_rows
    for i, (name, col) in enumerate(zip(names, body.columns)):
        if name is None:
            if col.null_count == len(col):
                continue  # an empty column with no header
            name = f"Colonne {_column_letter(i)}" if fmt != "csv" else f"Colonne {i + 1}"
        columns[name] = col
    columns[LINE_COLUMN] = pa.array(np.arange(first_line, first_line + rows, dtype=np.int64))
    table = pa.table(columns)
    where = f"feuille « {sheet.name} », " if sheet.name is not None else ""
    note = f"{where}en-tête ligne {idx + 1}" + (f" ({idx} ligne(s) de titre au-dessus)." if idx else ".")
    notes = [note[:1].upper() + note[1:]]
    warnings: list[str] = []
    month_cols: dict[str, dt.date] = {}
    if kind.name != "activite":
        return _Part(_drop_blank(table), sheet.name, month_cols, notes, warnings)
    headers = [c for c in table.column_names if c != LINE_COLUMN]
    month_cols = {h: m for h in headers if (m := parse_month(h, hint))}
    total_cols = [h for h in headers if is_total(h)]
    labels = [h for h in headers if h not in month_cols and h not in total_cols]
    table = _drop_blank(table)
    # Rows labelled total: left out, compared with the sum of the others.
    total_mask = None
    for h in labels:  # the pattern is tried on each distinct label once, not on every row
        values = pc.unique(table.column(h))
        hinted = pc.filter(values, pc.fill_null(pc.match_substring_regex(values, TOTAL_HINT), False))
        hits = pa.array([v for v in hinted.to_pylist() if is_total(v)], pa.string())
        if len(hits):
            m = pc.fill_null(pc.is_in(table.column(h), value_set=hits), False)
            total_mask = m if total_mask is None else pc.or_(total_mask, m)
    dropped = []
    if total_mask is not None and pc.any(total_mask).as_py():
        totals = table.filter(total_mask)
        table = table.filter(pc.invert(total_mask))
        dropped.append(f"{len(totals)} ligne(s) de total (ligne {', '.join(str(x) for x in totals.column(LINE_COLUMN).to_pylist()[:5])})")
        shown = {h: mois(m) for h, m in month_cols.items()}
        warnings += _compare_total_rows(totals, table, [h for h in headers if h not in labels], sheet.name, shown)
    if total_cols:
        dropped.append("colonne(s) " + ", ".join(f"« {h} »" for h in total_cols))
        if len(month_cols) >= 2:
            warnings += _compare_total_columns(table, list(month_cols), total_cols, sheet.name)
        table = table.drop_columns(total_cols)
    if dropped:
        notes.append("Écarté(es) : " + " ; ".join(dropped) + ".")
    if len(month_cols) >= 2:
        table = _unpivot(table, labels, month_cols)
        span = sorted(month_cols.values())
        notes.append(f"Mois en colonnes : {len(month_cols)} colonnes ({mois(span[0])} à {mois(span[-1])}) "
                     f"dépliées en une ligne par mois ; les cases vides ou à 0 ne chargent rien.")
    elif context_month is not None:
        table = table.append_column(MONTH_COLUMN, pa.array([context_month.strftime("%Y-%m")] * len(table), pa.string()))
    return _Part(table, sheet.name, month_cols, notes, warnings)


def _drop_blank(table: pa.Table) -> pa.Table:
    if any(table.column(n).null_count == 0 for n in table.column_names if n != LINE_COLUMN):
        return table  # a column without a gap: no row is entirely blank (counting nulls costs nothing)
    blank = None
    for name in table.column_names:
        if name == LINE_COLUMN:
            continue
        empty = pc.is_null(table.column(name))
        blank = empty if blank is None else pc.and_(blank, empty)
    return table.filter(pc.invert(blank)) if blank is not None and len(table) else table


def _unpivot(table: pa.Table, labels: list[str], month_cols: dict[str, dt.date]) -> pa.Table:
    parts = []
    for h, month in month_cols.items():
        cols = {name: table.column(name) for name in labels}
        cols[MONTH_COLUMN] = pa.array([month.strftime("%Y-%m")] * len(table), pa.string())
        cols[COUNT_COLUMN] = table.column(h)
        # A problem names the month's column, as the person reads it (a date cell shows as "février 2017").
        shown = mois(month) if re.match(r"\d{4}-\d{2}-\d{2}", h) else h
        cols[CELL_COLUMN] = pa.array([shown] * len(table), pa.string())
        cols[LINE_COLUMN] = table.column(LINE_COLUMN)
        parts.append(pa.table(cols))  # blank and zero counts too: the assistant leaves them out, in every layout
    return pa.concat_tables(parts).sort_by([(LINE_COLUMN, "ascending")])


def _compare_total_rows(totals: pa.Table, rows: pa.Table, value_cols: list[str], sheet: str | None,
                        shown: dict[str, str]) -> list[str]:
    out = []
    if len(rows) > 20_000:
        return out
    for h in value_cols:
        if h not in rows.column_names:
            continue
        numbers = [_to_number(v) for v in rows.column(h).to_pylist()]
        total = sum(n for n in numbers if n is not None)
        for stated, line in zip(totals.column(h).to_pylist(), totals.column(LINE_COLUMN).to_pylist()):
            n = _to_number(stated)
            if n is not None and abs(n - total) > 1e-6:
                where = f"feuille « {sheet} », " if sheet else ""
                out.append(f"Le total du fichier ({where}ligne {line}, colonne « {shown.get(h, h)} » : {nombre(n)}) "
                           f"diffère de la somme des lignes ({nombre(total)}) ; c'est la somme des lignes qui est "
                           "chargée.")
    return out


def _compare_total_columns(table: pa.Table, months: list[str], total_cols: list[str], sheet: str | None) -> list[str]:
    out = []
    if len(table) > 20_000:
        return out
    sums = [sum(n for n in (_to_number(v) for v in vals) if n is not None)
            for vals in zip(*(table.column(m).to_pylist() for m in months))]
    for h in total_cols:
        for stated, total, line in zip(table.column(h).to_pylist(), sums, table.column(LINE_COLUMN).to_pylist()):
            n = _to_number(stated)
            if n is not None and abs(n - total) > 1e-6:
                where = f"feuille « {sheet} », " if sheet else ""
                out.append(f"Le total du fichier ({where}ligne {line}, colonne « {h} » : {nombre(n)}) diffère de la "
                           f"somme des mois ({nombre(total)}) ; ce sont les mois qui sont chargés.")
    return out


def detect(book: Book, kind: Kind, fichier: str) -> Frame:
    """The frame of a file: its header found, its shape recognised, its rows in long shape."""
    hint = year_in(fichier, *(s.name for s in book.sheets))
    ranked = []
    for sheet in book.sheets:
        title_hint = year_in(*(c for r in sheet.head for c in r if c is not None)) or hint
        idx, rank = best_header(sheet.head, kind, title_hint)
        ranked.append((rank, sheet, idx, title_hint))
    best_rank = max(r for r, *_ in ranked)
    primary = next(item for item in ranked if item[0] == best_rank)
    _, sheet, idx, year = primary
    title_rows = sheet.head[:idx]
    title_text = [str(c) for r in title_rows for c in r if c is not None and str(c).strip()]
    chosen = [primary]
    context = {}
    if kind.name == "activite":
        _, months_here = row_score(sheet.head[idx] if idx < len(sheet.head) else [], kind, year)
        has_month_col = any(_name_score(str(c), kind.column(n))[0] >= NAME_THRESHOLD
                            for c in (sheet.head[idx] if idx < len(sheet.head) else []) if c is not None
                            for n in ("mois", "date"))
        if months_here < 2 and not has_month_col:
            # One sheet per month: every sheet with the same header and a month in its name or title rows.
            same_header = _header_words(sheet.head[idx], year)
            chosen = []
            for rank, s, i, y in ranked:
                month = parse_month(s.name, y) or find_month(s.name, y) or next(
                    (m for r in s.head[:i] for c in r if (m := find_month(c, y))), None)
                if month and rank > 0 and _header_words(s.head[i], y) == same_header:
                    chosen.append((rank, s, i, y))
                    context[id(s)] = month
            if not chosen:
                chosen = [primary]
    parts = [_sheet_part(s, i, kind, book.format, y, context.get(id(s))) for _, s, i, y in chosen]
    pa.default_memory_pool().release_unused()  # the raw cells' pages, before the store's staging needs memory
    if len(parts) > 1:
        tables = []
        for p in parts:
            t = p.table.append_column(SHEET_COLUMN, pa.array([p.sheet] * len(p.table), pa.string()))
            tables.append(t)
        table = pa.concat_tables(tables, promote_options="permissive")
    else:
        table = parts[0].table
    shape = "mois_en_colonnes" if any(p.month_cols for p in parts if len(p.month_cols) >= 2) else (
        "feuille_par_mois" if context else "long")
    fixed = {}
    if MONTH_COLUMN in table.column_names and (shape != "long"):
        fixed[MONTH_COLUMN] = "mois"
    if COUNT_COLUMN in table.column_names and shape == "mois_en_colonnes":
        fixed[COUNT_COLUMN] = "nb"
    notes = [*book.notes]
    for p in parts[:3]:
        notes += p.notes
    if len(parts) > 3:
        notes.append(f"… et {len(parts) - 3} autres feuilles de même en-tête.")
    if shape == "feuille_par_mois":
        months = sorted(context.values())
        notes.append(f"Une feuille par mois : {len(parts)} feuille(s) ({mois(months[0])} à {mois(months[-1])}), "
                     "le mois lu dans le nom de la feuille ou sa ligne de titre.")
    warnings = [w for p in parts for w in p.warnings]
    headers = [c for c in table.column_names if c not in (LINE_COLUMN, SHEET_COLUMN, CELL_COLUMN)]
    if not headers:
        raise refuse("aucune colonne lisible dans le fichier.", fichier)
    return Frame(table, headers, fixed, shape, idx + 1, best_rank > 0, [p.sheet for p in parts], title_text,
                 book.format, notes, warnings)


def _header_words(cells: list, hint: int | None) -> frozenset[str]:
    return frozenset(normalize_key(c) for c in cells if c is not None and str(c).strip()
                     and not parse_month(c, hint) and not is_total(c))
