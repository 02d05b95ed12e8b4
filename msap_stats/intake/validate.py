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
from ..fmt import cell, nombre
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


# Types whose cells take few distinct values: they are typed once per distinct value.
BY_DISTINCT_VALUE = ("code", "codes", "booleen", "date", "mois")


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
            val = f"coalesce(CAST(try_strptime({v}, {_list(MONTH_FORMATS)}) AS DATE), CAST(date_trunc('month', {_date(v)}) AS DATE))"
            checks.append(Check(missing, "mois illisible (attendu AAAA-MM)"))
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

    table: str  # a view of the typed rows over ``parsed`` (or typed rows kept from an inspection, registered)
    kind: Kind
    rows: int
    fingerprint: str
    warnings: list[str]
    parsed: str = ""
    registered: bool = False
    readings: dict[str, str] = field(default_factory=dict)  # yes/no column -> how its cells were read, in French
    misplaced: int = 0  # sites whose coordinates lie out of their département
    vague: tuple[str, str] | None = None  # survey answers: the wave given to those the file gives none, and how

    def drop(self, con) -> None:
        if self.registered:
            con.unregister(self.table)
            return
        con.execute(f"DROP VIEW IF EXISTS {self.table}")
        if self.parsed:
            con.execute(f"DROP TABLE IF EXISTS {self.parsed}")

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


def _unanswered_groups(con, parsed: str, kind: Kind, present: set[str], ticks: set[str]) -> None:
    """A blank in a tick column of a multi-response question is "not ticked" for whoever answered the question
    (any of its items, whatever their writing), and no answer for whoever answered none of them. A question
    written wholly as tick boxes cannot tell "answered none" from "ticked none": there, whoever answered another
    question said No to each box, and whoever answered nothing gave no answer."""
    others = [c for c in kind.questions() if c in present and not any(c in g for g in kind.groups)]
    for group in kind.groups:
        items = [c for c in group if c in present]
        cols = [c for c in items if c in ticks]
        if not cols:
            continue
        empty = items + (others if len(cols) == len(items) else [])
        blank = " AND ".join(f"{q('brut_' + c)} IS NULL" for c in empty)
        con.execute(f"UPDATE {parsed} SET {', '.join(f'{q(c)} = NULL' for c in cols)} WHERE {blank}")


def stage(con: duckdb.DuckDBPyConnection, raw: RawTable, kind: Kind, reference_maisons: str = "maisons_connues") -> Staged:
    """Type every cell and run every check; raise ImportRefused listing the problems.

    On success the typed rows wait in a temporary table (not in the store file).
    """
    problems = _missing_columns(raw, kind)
    if problems:
        raise ImportRefused(problems)
    uid = uuid.uuid4().hex[:10]
    raw_name, parsed, staged = f"_brut_{uid}", f"_lu_{uid}", f"_pret_{uid}"
    con.register(raw_name, raw.table)
    try:
        present = set(raw.headers)
        ticks, readings = _readings(con, raw_name, kind, raw)
        raws, selects, joins, checks = [], [], [], []
        for col in kind.columns:
            typed = f"CAST({lit(col.default)} AS {parsed_type(col)})"
            if col.name in present:
                v = q("brut_" + col.name)
                raws.append(f"{q(col.name)} AS {v}")
                selects.append(f"r.{v}")
                val, col_checks = column_sql(col, "k" if col.type in BY_DISTINCT_VALUE else f"r.{v}",
                                             ticks.get(col.name), raw.kept.get(col.name, ()))
                if col.type in BY_DISTINCT_VALUE:
                    alias = f"d{len(joins)}"
                    joins.append(f"LEFT JOIN (SELECT k, CAST({val} AS {parsed_type(col)}) AS v FROM "
                                 f"(SELECT DISTINCT {q(col.name)} AS k FROM {raw_name})) {alias} "
                                 f"ON r.{v} IS NOT DISTINCT FROM {alias}.k")
                    typed = f"{alias}.v"
                else:
                    typed = f"CAST({val} AS {parsed_type(col)})"
                checks += [(col, c) for c in col_checks]
            selects.append(f"{typed} AS {q(col.name)}")
        kept = [c for c in (LINE_COLUMN, SHEET_COLUMN, CELL_COLUMN) if c in raw.table.column_names]
        con.execute(f"CREATE TEMP TABLE {parsed} AS SELECT {', '.join('r.' + c for c in kept)}, {', '.join(selects)} "
                    f"FROM (SELECT {', '.join(kept)}, {', '.join(raws)} FROM {raw_name}) r {' '.join(joins)}")
        _unanswered_groups(con, parsed, kind, present, set(ticks))
        strict = [(c, chk) for c, chk in checks if not kind.lenient(c)]
        warnings = _set_unreadable_to_unknown(con, parsed, raw, [(c, chk) for c, chk in checks if kind.lenient(c)])
        _report(con, parsed, kind, raw, strict, reference_maisons)
        misplaced = _misplaced(con, parsed, raw, kind, warnings) if {"latitude", "longitude"} <= present else 0
        wave = waves.settle(con, kind.name, parsed, raw.vague) if any(c.name == "vague" for c in kind.columns) else None
        for name in present & {c.name for c in kind.columns}:  # checked: the raw cells are no longer needed
            con.execute(f"ALTER TABLE {parsed} DROP COLUMN {q('brut_' + name)}")
        finals = [final_sql(c, f"coalesce({q(c.name)}, {c.fallback_sql})" if c.fallback_sql else q(c.name))
                  for c in kind.columns]
        rows = (f"SELECT {LINE_COLUMN} AS ligne, "
                + ", ".join(f"CAST({f} AS {c.sql_type}) AS {q(c.name)}" for f, c in zip(finals, kind.columns))
                + f" FROM {parsed}")
        derived = "".join(f", CAST({d.sql} AS {d.sql_type}) AS {q(d.name)}" for d in kind.derived)
        # A view, not a copy: the rows are typed again as they are inserted, rather than held twice in memory.
        con.execute(f"CREATE TEMP VIEW {staged} AS SELECT *{derived} FROM ({rows})")
        cols = ", ".join(q(c.name) for c in kind.columns)
        count, digest = con.execute(f"SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM {staged}").fetchall()[0]
        return Staged(staged, kind, count, f"{count}:{digest}", warnings, parsed, readings=readings,
                      misplaced=misplaced, vague=wave)
    except BaseException:
        con.execute(f"DROP VIEW IF EXISTS {staged}")
        con.execute(f"DROP TABLE IF EXISTS {parsed}")
        raise
    finally:
        con.unregister(raw_name)


def _misplaced(con, parsed: str, raw: RawTable, kind: Kind, warnings: list[str]) -> int:
    """Sites (or a mobile Maison's stops) whose coordinates lie out of their (Maison's) département's outline, named
    in a warning before anything is written; kept as they are, or dropped (unknown) when the person chose so
    (``RawTable.drop_misplaced``)."""
    what = ("Maison(s) aux coordonnées hors de leur département" if kind.name == "maisons" else
            "arrêt(s) aux coordonnées hors du département de leur Maison")
    source = (f"(SELECT {LINE_COLUMN}, nom, code_departement, longitude, latitude FROM {parsed})"
              if kind.name == "maisons" else
              f"(SELECT p.{LINE_COLUMN}, concat_ws(', ', nullif(p.lieu, ''), p.commune) AS nom, m.code_departement, "
              f"p.longitude, p.latitude FROM {parsed} p JOIN maisons_connues m USING (id_maison))")
    rows = con.execute(f"SELECT {LINE_COLUMN}, nom, code_departement, longitude, latitude FROM {source} "
                       "WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND code_departement IS NOT NULL "
                       f"ORDER BY {LINE_COLUMN}").fetchall()
    outside = reference.outside_departement([r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows]) \
        if rows else None
    if outside is None or not outside.any():
        return 0
    found = [r for r, o in zip(rows, outside) if o]
    shown = " ; ".join(f"« {cell(nom, 50)} » ({dep}), ligne {line}" for line, nom, dep, _, _ in found[:5])
    more = f" et {nombre(len(found) - 5)} autre(s)" if len(found) > 5 else ""
    if raw.drop_misplaced:
        lines = ", ".join(str(r[0]) for r in found)
        con.execute(f"UPDATE {parsed} SET latitude = NULL, longitude = NULL WHERE {LINE_COLUMN} IN ({lines})")
        warnings.append(f"{nombre(len(found))} {what}, retirées "
                        f"(leur emplacement est inconnu) : {shown}{more}.")
    else:
        warnings.append(f"{nombre(len(found))} {what} : {shown}{more}. "
                        "Elles sont gardées telles quelles ; pour les retirer : --coordonnees-douteuses retirer, "
                        "ou la case « Retirer ces coordonnées » de la page.")
    return len(found)


def _set_unreadable_to_unknown(con, parsed: str, raw: RawTable, checks: list[tuple[Column, Check]]) -> list[str]:
    """Optional descriptive columns: an unreadable cell ("Sur RDV", "non communiqués") is stored as unknown."""
    warnings = []
    by_column: dict[str, list[str]] = {}
    for col, check in checks:
        by_column.setdefault(col.name, []).append(f"coalesce({check.sql(q('brut_' + col.name), q(col.name))}, false)")
    for name, conditions in by_column.items():
        cond = " OR ".join(conditions)
        n, examples = con.execute(
            f"SELECT count(*), list(DISTINCT {q('brut_' + name)})[1:3] FROM {parsed} WHERE {cond}").fetchall()[0]
        if n:
            con.execute(f"UPDATE {parsed} SET {q(name)} = NULL WHERE {cond}")
            shown = ", ".join(f"« {e} »" for e in sorted(examples or []))
            warnings.append(f"Colonne « {raw.headers.get(name, name)} » : {nombre(n)} valeur(s) illisible(s) "
                            f"enregistrée(s) comme inconnues (ex. {shown}).")
    return warnings


def _report(con, parsed: str, kind: Kind, raw: RawTable, checks: list[tuple[Column, Check]], reference_maisons: str) -> None:
    """Raise ImportRefused with every problem in row order (up to MAX_KEPT), and their total count."""
    branches = []
    order = {c.name: i for i, c in enumerate(kind.columns)}
    sheet = SHEET_COLUMN if SHEET_COLUMN in raw.table.column_names else "NULL"

    def branch(col_name: str, condition: str, reason: str, value_sql: str | None = None) -> str:
        value = value_sql or f"CAST({q('brut_' + col_name)} AS VARCHAR)"
        header = lit(raw.headers.get(col_name, col_name))
        if col_name == raw.cell_header:  # months as columns: the month's own column
            header = f"coalesce({CELL_COLUMN}, {header})"
        return (f"SELECT {LINE_COLUMN} AS ligne, {order.get(col_name, 99)} AS rang, {header} AS colonne, "
                f"{value} AS valeur, {lit(reason)} AS raison, {sheet} AS feuille FROM {parsed} WHERE {condition}")

    for col, check in checks:
        condition = check.sql(q("brut_" + col.name), q(col.name))
        branches.append(branch(col.name, f"coalesce({condition}, false)", check.reason))
    for col in kind.columns:
        if col.name not in raw.headers:
            continue
        c = q(col.name)
        if col.unique:
            branches.append(
                f"SELECT {LINE_COLUMN}, {order[col.name]}, {lit(raw.headers[col.name])}, CAST({c} AS VARCHAR), "
                f"'identifiant en double dans le fichier (déjà ligne ' || premiere || ')', {sheet} FROM ("
                f"SELECT {LINE_COLUMN}, {'' if sheet == 'NULL' else sheet + ','} {c}, "
                f"min({LINE_COLUMN}) OVER (PARTITION BY {c}) AS premiere FROM {parsed} "
                f"WHERE {c} IS NOT NULL) WHERE {LINE_COLUMN} > premiere")
        if col.maison_ref:
            empty = not con.execute(f"SELECT count(*) FROM {reference_maisons}").fetchall()[0][0]
            hint = ("le registre est vide : importez-le d'abord" if empty
                    else "vérifiez l'identifiant, ou importez une version du registre qui contient cette Maison")
            branches.append(branch(col.name, f"{c} IS NOT NULL AND {c} NOT IN (SELECT id_maison FROM {reference_maisons})",
                                   f"Maison inconnue du registre ({hint})"))
        if col.departement_ref:
            branches.append(branch(col.name, f"{c} IS NOT NULL AND {c} NOT IN (SELECT code_departement FROM ref_departements)",
                                   "code de département inconnu"))
    for group in kind.one_of:
        present = [g for g in group if g in raw.headers]
        cond = " AND ".join(f"{q('brut_' + g)} IS NULL" for g in present)
        branches.append(branch(present[0], cond, f"il faut renseigner {' ou '.join(group)}", "NULL"))
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
