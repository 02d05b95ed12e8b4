"""Typing and checking the cells of a file, in DuckDB, from the schema.

For each column the schema gives a type; this module turns it into a SQL
expression that reads the text cell, and a list of checks whose failures are
reported with the row number, the column, the value and a French reason.
Everything runs as a few set-based queries: no per-row Python.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import MAX_KEPT, ImportRefused, Problem
from .. import reference
from ..fmt import MONTH_WORDS, MONTH_WORDS_PATTERN, cell, nombre
from .reader import CELL_COLUMN, LINE_COLUMN, SHEET_COLUMN, RawTable
from . import waves
from ..schema import Column, Kind, hours_intervals_sql, normalize_key, sql_normalize
from ..store import lit, q

TRUE_KEYS = ("oui", "o", "x", "1", "vrai", "true", "yes", "y", "10")
FALSE_KEYS = ("non", "n", "0", "faux", "false", "no", "00")
CLOSED_KEYS = ("ferme", "fermee", "fermeture", "")  # "" : a cell of dashes only ("-", "--")
TICK_MARKS = ("✓", "✔", "☑", "☒", "✅")  # a ticked box, as spreadsheets and survey tools write it
DATE_FORMATS = ("%d/%m/%y", "%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S",
                "%d/%m/%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
MONTH_FORMATS = ("%Y-%m", "%m/%Y", "%Y/%m", "%m-%Y")
YEARS = (1900, 2100)


@functools.lru_cache(maxsize=1)
def departement_names() -> dict[str, str]:
    """Normalized name of a département -> its code ("corsedusud" -> "2A")."""
    deps = reference.departements_table()
    return {normalize_key(n): c for c, n in zip(deps.column("code_departement").to_pylist(),
                                                deps.column("departement").to_pylist())}


def _list(values) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def _case(key_sql: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in sorted(mapping.items()))
    return f"(CASE {key_sql} {whens} END)"


def _number(v: str) -> str:
    cleaned = f"replace(regexp_replace({v}, '[[:space:]\\x{{00A0}}\\x{{202F}}]', '', 'g'), ',', '.')"
    return f"TRY_CAST({cleaned} AS DOUBLE)"


def _date(v: str, extract: bool = False) -> str:
    serial = (f"CASE WHEN regexp_full_match({v}, '[0-9]{{1,7}}([.,][0-9]+)?') AND {_number(v)} BETWEEN 1 AND 2958465 "
              f"THEN DATE '1899-12-30' + CAST(floor({_number(v)}) AS INTEGER) END")
    parsed = f"coalesce(CAST(try_strptime({v}, {_list(DATE_FORMATS)}) AS DATE), {serial})"
    if extract:  # "Espace labellisé 01/01/2020", "Espace labélisé 01/2020"
        inner = f"regexp_extract({v}, '[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}')"
        month = f"regexp_extract({v}, '(^|[^0-9/])([0-9]{{1,2}}/[0-9]{{4}})', 2)"
        parsed = (f"coalesce({parsed}, CAST(try_strptime(nullif({inner}, ''), '%d/%m/%Y') AS DATE), "
                  f"CAST(try_strptime(nullif({month}, ''), '%m/%Y') AS DATE))")
    return parsed


# A month by its name and its year: « mai 2016 », « Mai-16 », « janv. 2017 », « août 2016 » (lower case, no accent).
MONTH_NAME = f"^({MONTH_WORDS_PATTERN})\\.?[ ./-]*((?:19|20)[0-9]{{2}}|[0-9]{{2}})$"


def _month_name(v: str) -> str:
    key = f"lower(strip_accents(trim({v})))"
    word, year = (f"regexp_extract({key}, {lit(MONTH_NAME)}, {group})" for group in (1, 2))
    month = _case(word, {w: str(n) for w, n in MONTH_WORDS.items()})
    return (f"(CASE WHEN {word} <> '' THEN make_date(CAST({year} AS INTEGER) + (CASE WHEN length({year}) = 2 THEN 2000 "
            f"ELSE 0 END), CAST({month} AS INTEGER), 1) END)")


RAW, VAL = "@raw@", "@val@"  # placeholders in checks: the text cell and its typed value


@dataclass(frozen=True)
class Check:
    condition: str  # true on the rows that fail; written with RAW and VAL
    reason: str

    def sql(self, raw: str, val: str) -> str:
        return self.condition.replace(RAW, raw).replace(VAL, val)


def _codes_hint(col: Column) -> str:
    labels = [c.label for c in col.codes]
    shown = ", ".join(labels[:8]) + (", …" if len(labels) > 8 else "")
    return f"valeur inconnue (valeurs admises : {shown})"


def parsed_type(col: Column) -> str:
    """Type of the typed value while checking (an integer keeps its fraction to be refused)."""
    return "DOUBLE" if col.type == "entier" else col.sql_type


def final_sql(col: Column, val: str) -> str:
    if col.type == "codes":
        return f"list_distinct({val})"
    return val


def column_sql(col: Column, v: str, ticks: tuple[str, ...] | None = None,
               kept: tuple[str, ...] = ()) -> tuple[str, list[Check]]:
    """SQL expression typing the text cell ``v``, and the checks that can fail on it.

    ``ticks``: a yes/no column written as tick boxes, the keys of its ticked cells (a blank is then No).
    ``kept``: a survey's own categories, accepted as they are written in a breakdown-only column.
    """
    key = sql_normalize(v)
    checks: list[Check] = []
    missing = f"{RAW} IS NOT NULL AND {VAL} IS NULL"
    t = col.type
    if t == "texte":
        val = v
        if col.departement_ref:  # "1" (a spreadsheet dropped the zero), "01 - Ain", "Ain", "Corse-du-Sud"
            code = f"regexp_extract({v}, '^\\s*(2[AaBb]|[0-9]{{1,3}})\\b', 1)"
            by_name = _case(sql_normalize(v), departement_names())
            val = (f"(CASE WHEN {code} <> '' THEN (CASE WHEN length({code}) = 1 THEN '0' || {code} ELSE upper({code}) END) "
                   f"ELSE coalesce({by_name}, upper({v})) END)")
        elif col.name == "code_commune":
            val = f"(CASE WHEN regexp_full_match({v}, '[0-9]{{4}}') THEN '0' || {v} ELSE upper({v}) END)"
    elif t in ("entier", "nombre"):
        val = f"(CASE WHEN isfinite({_number(v)}) THEN {_number(v)} END)"
        checks.append(Check(missing, "nombre entier attendu" if t == "entier" else "nombre attendu"))
        if t == "entier":
            checks.append(Check(f"{VAL} <> floor({VAL})", "nombre entier attendu"))
        if col.minimum is not None:
            op, word = (("<=", "strictement supérieur à") if col.strict_minimum else ("<", "supérieur ou égal à"))
            checks.append(Check(f"{VAL} {op} {lit(col.minimum)}", f"doit être {word} {col.minimum:g}"))
        if col.maximum is not None:
            checks.append(Check(f"{VAL} > {lit(col.maximum)}", f"doit être inférieur ou égal à {col.maximum:g}"))
    elif t in ("date", "mois"):
        if t == "date":
            val = _date(v, col.extract_date)
            checks.append(Check(missing, "date illisible ou impossible (attendu jj/mm/aaaa ou aaaa-mm-jj)"))
        else:
            val = (f"coalesce(CAST(try_strptime({v}, {_list(MONTH_FORMATS)}) AS DATE), "
                   f"CAST(date_trunc('month', {_date(v)}) AS DATE), {_month_name(v)})")
            checks.append(Check(missing, "mois illisible (attendu AAAA-MM, MM/AAAA ou « mai 2016 »)"))
        checks.append(Check(f"year({VAL}) NOT BETWEEN {YEARS[0]} AND {YEARS[1]}",
                            f"{t} hors de la période admise ({YEARS[0]}-{YEARS[1]})"))
    elif t == "booleen":
        otherwise = "false" if ticks is not None else "NULL"
        val = (f"(CASE WHEN {v} IS NULL THEN {otherwise} WHEN {key} IN {_list(TRUE_KEYS + (ticks or ()))} "
               f"OR trim({v}) IN {_list(TICK_MARKS)} THEN true WHEN {key} IN {_list(FALSE_KEYS)} THEN false END)")
        checks.append(Check(missing, "réponse Oui ou Non attendue (ou x / vide)"))
    elif t == "code":
        val = _case(key, {**{normalize_key(k): k for k in kept}, **col.code_map()})
        checks.append(Check(missing, _codes_hint(col)))
    elif t == "codes":
        parts = f"list_filter(regexp_split_to_array({v}, '[;|,\\n]'), lambda x: trim(x) <> '')"
        val = f"list_transform({parts}, lambda x: {_case(sql_normalize('x'), col.code_map())})"
        checks.append(Check(f"{RAW} IS NOT NULL AND len(list_filter({VAL}, lambda x: x IS NULL)) > 0",
                            _codes_hint(col) + " ; séparez les valeurs par « ; »"))
    elif t == "horaires":
        val = v
        checks.append(Check(f"{RAW} IS NOT NULL AND coalesce(len({hours_intervals_sql(RAW)}), 0) = 0 "
                            f"AND {sql_normalize(RAW)} NOT IN {tuple(CLOSED_KEYS)}",
                            "horaires illisibles (attendu « 09:00 - 12:00 / 13:30 - 17:00 » ou « fermé »)"))
    else:  # pragma: no cover - the schema only uses the types above
        raise ValueError(t)
    if col.not_null or col.default is not None:
        checks.insert(0, Check(f"{RAW} IS NULL", "valeur obligatoire manquante"))
    return val, checks


@dataclass
class Staged:
    """A validated file waiting in a temporary table of the connection."""

    table: str  # the typed rows (or typed rows kept from an inspection, registered)
    kind: Kind
    rows: int
    fingerprint: str
    warnings: list[str]
    registered: bool = False
    readings: dict[str, str] = field(default_factory=dict)  # yes/no column -> how its cells were read, in French
    misplaced: int = 0  # sites whose coordinates lie out of their département
    vague: tuple[str, str] | None = None  # survey answers: the wave given to those the file gives none, and how

    def drop(self, con) -> None:
        if self.registered:
            con.unregister(self.table)
            return
        con.execute(f"DROP TABLE IF EXISTS {self.table}")

    def keep(self, con) -> Kept:
        """The typed rows out of this connection, to be imported through another (the writer's) unchanged."""
        return Kept(con.sql(f"SELECT * FROM {self.table}").to_arrow_table(), self.kind, self.rows,
                    self.fingerprint, _imports_state(con), self.vague)


def _imports_state(con) -> str:
    """What the checks of a file against the store depend on: every import and its state."""
    return con.execute("SELECT count(*) || ':' || coalesce(sum(hash(import_id, kind, sha256, empreinte, statut, "
                       "date_annulation)), 0) FROM imports").fetchall()[0][0]


@dataclass
class Kept:
    """Typed and checked rows kept from an inspection, with the version of the store they were checked against:
    confirming the inspection imports them without reading, typing or checking the file again."""

    table: pa.Table
    kind: Kind
    rows: int
    fingerprint: str
    version: str
    vague: tuple[str, str] | None = None

    def restage(self, con) -> Staged | None:
        """These rows staged in ``con``; None when its store is not the one they were checked against (an import
        or a rollback since: the registry, the keys held and the content already loaded may differ)."""
        if _imports_state(con) != self.version:
            return None
        name = f"_garde_{uuid.uuid4().hex[:10]}"
        con.register(name, self.table)
        return Staged(name, self.kind, self.rows, self.fingerprint, [], registered=True, vague=self.vague)


def _missing_columns(raw: RawTable, kind: Kind) -> list[Problem]:
    present = set(raw.headers)
    problems = [Problem(f"colonne obligatoire « {c.name} » ({c.label}) absente", ligne=raw.header_row)
                for c in kind.columns if c.required and c.name not in present]
    for group in kind.one_of:
        if not present.intersection(group):
            problems.append(Problem(f"il faut au moins une des colonnes {', '.join(f'« {g} »' for g in group)}",
                                    ligne=raw.header_row))
    return problems


def tick_keys(col: Column, header: str) -> tuple[str, ...]:
    """How a ticked box of this column may be written, besides a tick mark: an x, or the column's own name (a
    survey tool's export writes the option chosen in its column)."""
    return tuple(sorted({"x", normalize_key(header), normalize_key(col.label), normalize_key(col.name)} - {""}))


def _readings(con, raw_name: str, kind: Kind, raw: RawTable) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Each yes/no column judged on its own writing: the tick columns (every filled cell a tick: an x, a tick
    mark, the column's name) with their ticked keys, and how each yes/no column is read, in French."""
    cols = [c for c in kind.columns if c.type == "booleen" and c.name in raw.headers]
    if not cols:
        return {}, {}
    keys = {c.name: tick_keys(c, raw.headers[c.name]) for c in cols}
    exprs = ", ".join(f"count({q(c.name)}), coalesce(bool_and({sql_normalize(q(c.name))} IN {_list(keys[c.name])} "
                      f"OR trim({q(c.name)}) IN {_list(TICK_MARKS)}), true), "
                      f"list(DISTINCT trim({q(c.name)}) ORDER BY trim({q(c.name)})) FILTER (WHERE {q(c.name)} IS NOT NULL)[1:4]"
                      for c in cols)
    found = iter(con.execute(f"SELECT {exprs} FROM {raw_name}").fetchall()[0])
    ticks, readings = {}, {}
    grouped = {c for g in kind.groups for c in g}
    for c in cols:
        filled, ticked, shown = next(found), next(found), next(found)
        written = ", ".join(f"« {cell(v, 24)} »" for v in shown or [])
        if filled and ticked:
            ticks[c.name] = keys[c.name]
            readings[c.name] = (f"case à cocher ({written}) ; vide : non cochée" +
                                (", sans réponse si aucune case de la question n'est remplie" if c.name in grouped
                                 else ""))
        elif filled:
            readings[c.name] = f"oui / non ({written}{'…' if len(shown or []) >= 4 else ''}) ; vide : sans réponse"
    for group in kind.groups:  # a box nobody ticked, in a question written as tick boxes: ticked by no one
        if any(c in ticks for c in group):
            for c in group:
                if c in keys and c not in ticks and c not in readings:
                    ticks[c] = keys[c]
                    readings[c] = "case à cocher que personne n'a cochée ; vide : non cochée"
    return ticks, readings


def _blanked(kind: Kind, present: set[str], ticks: set[str]) -> dict[str, str]:
    """A blank in a tick column of a multi-response question is "not ticked" for whoever answered the question
    (any of its items, whatever their writing), and no answer for whoever answered none of them. A question
    written wholly as tick boxes cannot tell "answered none" from "ticked none": there, whoever answered another
    question said No to each box, and whoever answered nothing gave no answer. Tick column -> the SQL condition,
    on the raw cells, under which it is no answer."""
    others = [c for c in kind.questions() if c in present and not any(c in g for g in kind.groups)]
    out = {}
    for group in kind.groups:
        items = [c for c in group if c in present]
        cols = [c for c in items if c in ticks]
        if not cols:
            continue
        empty = items + (others if len(cols) == len(items) else [])
        blank = " AND ".join(f"r.{q(c)} IS NULL" for c in empty)
        out.update({c: blank for c in cols})
    return out


@dataclass
class _Typing:
    """How one column of the file is typed: once per distinct value of its raw cells, in a small table joined back to
    the rows (``r``): a column of two million requests holds a few hundred distinct values, each read and checked
    once."""

    col: Column
    values: str  # temp table: k (raw cell), n (its rows), w (typed value), v (as stored), f0… (each check failing)
    checks: list[Check]

    @property
    def raw(self) -> str:
        return f"r.{q(self.col.name)}"

    @property
    def alias(self) -> str:
        return q("_v_" + self.col.name)

    @property
    def typed(self) -> str:
        """The value as stored (an unreadable descriptive cell already unknown)."""
        return f"{self.alias}.v"

    @property
    def checked(self) -> str:
        """The value as the checks read it."""
        return f"{self.alias}.w"

    def join(self) -> str:
        return f"LEFT JOIN {self.values} {self.alias} ON {self.raw} IS NOT DISTINCT FROM {self.alias}.k"

    def rows_where(self, con, condition: str) -> str | None:
        """SQL true on the rows (of ``r``) whose value meets ``condition`` (on ``k`` and ``w``); None when none does."""
        null, other = con.execute(f"SELECT bool_or(k IS NULL), bool_or(k IS NOT NULL) FROM {self.values} "
                                  f"WHERE {condition}").fetchall()[0]
        conditions = [f"{self.raw} IS NULL"] if null else []
        if other:
            conditions.append(f"{self.raw} IN (SELECT k FROM {self.values} WHERE ({condition}) AND k IS NOT NULL)")
        return " OR ".join(conditions) or None


def _typing(con, raw_name: str, col: Column, ticks: tuple[str, ...] | None, kept: tuple[str, ...], values: str,
            lenient: bool) -> _Typing:
    """The typing of a present column, and its checks, on its distinct values."""
    val, checks = column_sql(col, "k", ticks, kept)
    flags = "".join(f", coalesce({c.sql('k', 'w')}, false) AS f{i}" for i, c in enumerate(checks))
    con.execute(f"CREATE TEMP TABLE {values} AS SELECT *, w AS v{flags} FROM (SELECT k, n, CAST({val} AS "
                f"{parsed_type(col)}) AS w FROM (SELECT {q(col.name)} AS k, count(*) AS n FROM {raw_name} GROUP BY ALL))")
    if lenient and checks:  # an unreadable descriptive cell is unknown
        con.execute(f"UPDATE {values} SET v = NULL WHERE {' OR '.join(f'f{i}' for i in range(len(checks)))}")
    return _Typing(col, values, checks)


def stage(con: duckdb.DuckDBPyConnection, raw: RawTable, kind: Kind, reference_maisons: str = "maisons_connues") -> Staged:
    """Type every cell and run every check; raise ImportRefused listing the problems.

    On success the typed rows wait in a temporary table (not in the store file). Every check runs on the file's
    raw cells (a column of few distinct values on its values, once each): only the typed rows are kept.
    """
    problems = _missing_columns(raw, kind)
    if problems:
        raise ImportRefused(problems)
    uid = uuid.uuid4().hex[:10]
    raw_name, staged = f"_brut_{uid}", f"_pret_{uid}"
    con.register(raw_name, raw.table)
    typings: list[_Typing] = []
    try:
        present = set(raw.headers)
        ticks, readings = _readings(con, raw_name, kind, raw)
        for col in kind.columns:
            if col.name in present:
                typings.append(_typing(con, raw_name, col, ticks.get(col.name), raw.kept.get(col.name, ()),
                                       f"_valeurs_{uid}_{len(typings)}", kind.lenient(col)))
        by_name = {t.col.name: t for t in typings}
        warnings = _unreadable_warnings(con, raw, [t for t in typings if kind.lenient(t.col)])
        _report(con, raw_name, kind, raw, [t for t in typings if not kind.lenient(t.col)], reference_maisons)
        blanked = _blanked(kind, present, set(ticks))
        selects = []
        for col in kind.columns:
            t = by_name.get(col.name)
            typed = t.typed if t else f"CAST({lit(col.default)} AS {parsed_type(col)})"
            if col.name in blanked:
                typed = f"(CASE WHEN {blanked[col.name]} THEN NULL ELSE {typed} END)"
            selects.append(f"{typed} AS {q(col.name)}")
        joins = " ".join(t.join() for t in typings)
        typed_rows = f"SELECT r.{LINE_COLUMN}, {', '.join(selects)} FROM {raw_name} r {joins}"
        finals = [final_sql(c, f"coalesce({q(c.name)}, {c.fallback_sql})" if c.fallback_sql else q(c.name))
                  for c in kind.columns]
        rows = (f"SELECT {LINE_COLUMN} AS ligne, "
                + ", ".join(f"CAST({f} AS {c.sql_type}) AS {q(c.name)}" for f, c in zip(finals, kind.columns))
                + f" FROM ({typed_rows})")
        derived = "".join(f", CAST({d.sql} AS {d.sql_type}) AS {q(d.name)}" for d in kind.derived)
        con.execute(f"CREATE TEMP TABLE {staged} AS SELECT *{derived} FROM ({rows})")
        misplaced = _misplaced(con, staged, raw, kind, warnings) if {"latitude", "longitude"} <= present else 0
        wave = waves.settle(con, kind.name, staged, raw.vague) if any(c.name == "vague" for c in kind.columns) else None
        cols = ", ".join(q(c.name) for c in kind.columns)
        count, digest = con.execute(f"SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM {staged}").fetchall()[0]
        return Staged(staged, kind, count, f"{count}:{digest}", warnings, readings=readings, misplaced=misplaced,
                      vague=wave)
    except BaseException:
        con.execute(f"DROP TABLE IF EXISTS {staged}")
        raise
    finally:
        for t in typings:
            if t.values:
                con.execute(f"DROP TABLE IF EXISTS {t.values}")
        con.unregister(raw_name)


def _misplaced(con, staged: str, raw: RawTable, kind: Kind, warnings: list[str]) -> int:
    """Sites (or a mobile Maison's stops) whose coordinates lie out of their (Maison's) département's outline, named
    in a warning before anything is written; kept as they are, or dropped (unknown) when the person chose so
    (``RawTable.drop_misplaced``)."""
    what = ("Maison(s) aux coordonnées hors de leur département" if kind.name == "maisons" else
            "arrêt(s) aux coordonnées hors du département de leur Maison")
    source = (f"(SELECT ligne, nom, code_departement, longitude, latitude FROM {staged})"
              if kind.name == "maisons" else
              f"(SELECT p.ligne, concat_ws(', ', nullif(p.lieu, ''), p.commune) AS nom, m.code_departement, "
              f"p.longitude, p.latitude FROM {staged} p JOIN maisons_connues m USING (id_maison))")
    rows = con.execute("SELECT ligne, nom, code_departement, longitude, latitude FROM " + source +
                       " WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND code_departement IS NOT NULL "
                       "ORDER BY ligne").fetchall()
    outside = reference.outside_departement([r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows]) \
        if rows else None
    if outside is None or not outside.any():
        return 0
    found = [r for r, o in zip(rows, outside) if o]
    shown = " ; ".join(f"« {cell(nom, 50)} » ({dep}), ligne {line}" for line, nom, dep, _, _ in found[:5])
    more = f" et {nombre(len(found) - 5)} autre(s)" if len(found) > 5 else ""
    if raw.drop_misplaced:
        lines = ", ".join(str(r[0]) for r in found)
        con.execute(f"UPDATE {staged} SET latitude = NULL, longitude = NULL WHERE ligne IN ({lines})")
        warnings.append(f"{nombre(len(found))} {what}, retirées "
                        f"(leur emplacement est inconnu) : {shown}{more}.")
    else:
        warnings.append(f"{nombre(len(found))} {what} : {shown}{more}. "
                        "Elles sont gardées telles quelles ; pour les retirer : --coordonnees-douteuses retirer, "
                        "ou la case « Retirer ces coordonnées » de la page.")
    return len(found)


def _unreadable_warnings(con, raw: RawTable, typings: list[_Typing]) -> list[str]:
    """Optional descriptive columns: an unreadable cell ("Sur RDV", "non communiqués") is stored as unknown, and
    said."""
    warnings = []
    for t in typings:
        if not t.checks:
            continue
        n, examples = con.execute(f"SELECT sum(n), list(k ORDER BY k)[1:3] FROM {t.values} WHERE "
                                  f"{' OR '.join(f'f{i}' for i in range(len(t.checks)))}").fetchall()[0]
        if n:
            shown = ", ".join(f"« {e} »" for e in sorted(examples or []))
            warnings.append(f"Colonne « {raw.headers.get(t.col.name, t.col.name)} » : {nombre(n)} valeur(s) "
                            f"illisible(s) enregistrée(s) comme inconnues (ex. {shown}).")
    return warnings


def _report(con, raw_name: str, kind: Kind, raw: RawTable, typings: list[_Typing], reference_maisons: str) -> None:
    """Raise ImportRefused with every problem in row order (up to MAX_KEPT), and their total count."""
    branches = []
    order = {c.name: i for i, c in enumerate(kind.columns)}
    sheet = f"r.{SHEET_COLUMN}" if SHEET_COLUMN in raw.table.column_names else "NULL"

    def branch(t: _Typing, condition: str, reason: str, value_sql: str | None = None) -> str:
        value = value_sql or f"CAST({t.raw} AS VARCHAR)"
        header = lit(raw.headers.get(t.col.name, t.col.name))
        if t.col.name == raw.cell_header:  # months as columns: the month's own column
            header = f"coalesce(r.{CELL_COLUMN}, {header})"
        return (f"SELECT r.{LINE_COLUMN} AS ligne, {order.get(t.col.name, 99)} AS rang, {header} AS colonne, "
                f"{value} AS valeur, {lit(reason)} AS raison, {sheet} AS feuille FROM {raw_name} r "
                f"WHERE {condition}")

    for t in typings:
        for i, check in enumerate(t.checks):
            condition = t.rows_where(con, f"f{i}")
            if condition is not None:
                branches.append(branch(t, condition, check.reason))
        col, c = t.col, t.checked
        if col.unique:
            branches.append(
                f"SELECT {LINE_COLUMN} AS ligne, {order[col.name]} AS rang, {lit(raw.headers[col.name])} AS colonne, "
                f"CAST(v AS VARCHAR) AS valeur, 'identifiant en double dans le fichier (déjà ligne ' || premiere || ')' "
                f"AS raison, feuille FROM ("
                f"SELECT r.{LINE_COLUMN}, {sheet} AS feuille, {c} AS v, min(r.{LINE_COLUMN}) OVER (PARTITION BY {c}) "
                f"AS premiere FROM {raw_name} r {t.join()} WHERE {c} IS NOT NULL) WHERE {LINE_COLUMN} > premiere")
        if col.maison_ref:
            empty = not con.execute(f"SELECT count(*) FROM {reference_maisons}").fetchall()[0][0]
            hint = ("le registre est vide : importez-le d'abord" if empty
                    else "vérifiez l'identifiant, ou importez une version du registre qui contient cette Maison")
            unknown = t.rows_where(con, f"w IS NOT NULL AND w NOT IN (SELECT id_maison FROM {reference_maisons})")
            if unknown:
                branches.append(branch(t, unknown, f"Maison inconnue du registre ({hint})"))
        if col.departement_ref:
            unknown = t.rows_where(con, "w IS NOT NULL AND w NOT IN (SELECT code_departement FROM ref_departements)")
            if unknown:
                branches.append(branch(t, unknown, "code de département inconnu"))
    by_name = {t.col.name: t for t in typings}
    for group in kind.one_of:
        present = [g for g in group if g in raw.headers]
        if any(raw.table.column(g).null_count == 0 for g in present):
            continue  # a column without a blank: no row misses them all
        cond = " AND ".join(f"r.{q(g)} IS NULL" for g in present)
        branches.append(branch(by_name[present[0]], cond, f"il faut renseigner {' ou '.join(group)}", "NULL"))
    if not branches:
        return
    # DISTINCT: a label spread over months as columns is one cell of the file, reported once.
    union = "SELECT DISTINCT * FROM (" + " UNION ALL ".join(branches) + ")"
    total = con.execute(f"SELECT count(*) FROM ({union})").fetchall()[0][0]
    if total == 0:
        return
    sheets = pc.unique(raw.table.column(SHEET_COLUMN)).to_pylist() if sheet != "NULL" else []
    rows = con.execute(f"SELECT ligne, colonne, valeur, raison, feuille FROM ({union}) "
                       f"ORDER BY list_position({_list(sheets)}::VARCHAR[], feuille) NULLS FIRST, ligne, rang "
                       f"LIMIT {MAX_KEPT}").fetchall()
    raise ImportRefused([Problem(raison, ligne, colonne, valeur, feuille)
                         for ligne, colonne, valeur, raison, feuille in rows], total=total)
