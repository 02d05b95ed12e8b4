"""The evaluation store: one DuckDB file whose tables are generated from the schema.

Every data row carries the import that brought it (``import_id``) and, when a
later import replaced it, that import (``remplace_par``): replaced rows stay in
history and come back if the replacing import is rolled back. The views
``<kind>_actifs`` hold the rows in force.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import time
import uuid
import weakref
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from . import reference
from .schema import JOURS, KINDS, open_days_sql, weekly_hours_sql

PROJECT_DIR = Path(__file__).resolve().parent.parent


class StoreError(Exception):
    """A problem with the store itself, told in French."""


def default_db_path() -> Path:
    return Path(os.environ.get("MSAP_DB") or PROJECT_DIR / "data" / "msap.duckdb")


def q(name: str) -> str:
    """Quote an identifier (some canonical names, like date or format, are SQL words)."""
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    """A SQL literal for a Python value of the schema (a code, a default, a bound)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


IMPORTS_DDL = """
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,
    fichier VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    empreinte VARCHAR,
    auteur VARCHAR NOT NULL,
    date_import TIMESTAMP NOT NULL,
    lignes_lues INTEGER NOT NULL,
    lignes_chargees INTEGER NOT NULL,
    lignes_remplacees INTEGER NOT NULL DEFAULT 0,
    statut VARCHAR NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT false,
    feuille VARCHAR,
    ligne_entete INTEGER,
    avertissements VARCHAR[],
    date_annulation TIMESTAMP,
    annule_par VARCHAR
);
CREATE TABLE IF NOT EXISTS meta (cle VARCHAR PRIMARY KEY, valeur VARCHAR);
ALTER TABLE imports ADD COLUMN IF NOT EXISTS profil VARCHAR;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS format VARCHAR;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS date_version DATE;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS perimetre VARCHAR[];
CREATE TABLE IF NOT EXISTS profils (
    nom VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    signature VARCHAR NOT NULL,
    choix VARCHAR NOT NULL,
    auteur VARCHAR NOT NULL,
    cree_le TIMESTAMP NOT NULL,
    utilise_le TIMESTAMP,
    utilisations INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE profils ADD COLUMN IF NOT EXISTS regions VARCHAR[];
CREATE TABLE IF NOT EXISTS roles (
    email VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,
    regions VARCHAR[],
    accorde_par VARCHAR NOT NULL,
    accorde_le TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS identites (
    issuer VARCHAR NOT NULL,
    sub VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    lie_le TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, sub)
);
CREATE TABLE IF NOT EXISTS redressements (
    id_redressement INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,
    vague VARCHAR NOT NULL,
    modele VARCHAR NOT NULL,
    rapport VARCHAR NOT NULL,
    auteur VARCHAR NOT NULL,
    date_redressement TIMESTAMP NOT NULL,
    statut VARCHAR NOT NULL,
    date_fin TIMESTAMP,
    fin_par VARCHAR
);
CREATE TABLE IF NOT EXISTS poids_redresses (
    id_redressement INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    import_id INTEGER NOT NULL,
    vague VARCHAR NOT NULL,
    id_reponse VARCHAR NOT NULL,
    grappe VARCHAR NOT NULL,
    poids DOUBLE NOT NULL,
    cellule VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    nom VARCHAR PRIMARY KEY,
    contenu VARCHAR NOT NULL,
    auteur VARCHAR NOT NULL,
    date_enregistrement TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS roles_journal (
    quand TIMESTAMP NOT NULL,
    utilisateur VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    detail VARCHAR
);
"""

STATUT_CHARGE = "chargé"
STATUT_ANNULE = "annulé"


def _kind_ddl(kind) -> str:
    cols = ",\n    ".join(f"{q(name)} {sql_type}" for name, sql_type in kind.stored_columns)
    return (f"CREATE TABLE IF NOT EXISTS {kind.name} (\n    import_id INTEGER NOT NULL,\n    ligne INTEGER,\n"
            f"    remplace_par INTEGER,\n    {cols}\n);")


NO_DATE = "DATE '9999-12-31'"


def perimeter(departements: set[str]) -> list[str] | None:
    """What a list of Maisons covers: the whole country (None) when it names at least half the départements, else
    its own départements (a regional list)."""
    return None if 2 * len(departements) >= reference.departements_table().num_rows else sorted(departements)


def _date_legacy_versions(con) -> None:
    """Registry imports of a store made before versions: dated by their import, covering what they list."""
    for import_id, deps in con.execute(
            "SELECT i.import_id, list(DISTINCT m.code_departement) FROM imports i JOIN maisons m USING (import_id) "
            "WHERE i.kind = 'maisons' AND i.date_version IS NULL GROUP BY 1").fetchall():
        con.execute("UPDATE imports SET date_version = CAST(date_import AS DATE), perimetre = ? WHERE import_id = ?",
                    [perimeter(set(deps)), import_id])


def _label_legacy_waves(con) -> None:
    """Survey answers of a store made before waves: each import's answers are the wave of their (median) year."""
    for kind in KINDS.values():
        if any(c.name == "vague" for c in kind.columns):
            con.execute(f"UPDATE {kind.name} SET vague = w.label FROM (SELECT import_id, "
                        f"CAST(year(quantile_disc(date_reponse, 0.5)) AS VARCHAR) AS label FROM {kind.name} "
                        f"WHERE vague IS NULL GROUP BY 1) w WHERE {kind.name}.import_id = w.import_id "
                        f"AND {kind.name}.vague IS NULL")


def network_sql(date_sql: str = NO_DATE) -> str:
    """The Maisons of the network in force at a date: in each département, the sites of the latest version of the
    registry dated on or before it that covers the département (a national list covers them all, a regional list
    its own); a later import of the same date wins. A mobile Maison's opening counts the hours of its stops
    (``horaires_arrets``)."""
    versions = f"""SELECT m.* FROM maisons_actifs m JOIN (
        SELECT dep.code_departement, v.import_id
        FROM (SELECT DISTINCT code_departement FROM maisons_actifs) dep
        JOIN versions_registre v ON v.perimetre IS NULL OR list_contains(v.perimetre, dep.code_departement)
        WHERE v.date_version <= {date_sql}
        QUALIFY row_number() OVER (PARTITION BY dep.code_departement
                                   ORDER BY v.date_version DESC, v.import_id DESC) = 1
    ) c USING (code_departement, import_id)"""
    return f"""SELECT n.* REPLACE (coalesce(h.heures_hebdo, n.heures_hebdo) AS heures_hebdo,
                               coalesce(h.jours_ouverture, n.jours_ouverture) AS jours_ouverture)
    FROM ({versions}) n LEFT JOIN horaires_arrets h USING (import_id, id_maison)"""


HOURS_WITH_STOPS_DDL = ("CREATE TABLE IF NOT EXISTS horaires_arrets (import_id INTEGER, id_maison VARCHAR, "
                        "heures_hebdo DOUBLE, jours_ouverture INTEGER);")


def refresh_stop_hours(con) -> None:
    """The opening of each Maison row that has stops: its own hours and its stops', each day's minutes counted once.
    Kept as a table, recomputed by the writes that change Maisons or stops (never by a page's query)."""
    stops = ("SELECT id_maison, " + ", ".join(
        f"list(concat_ws(' / ', h_{j}, CASE WHEN jour = '{j}' THEN horaires END)) AS s_{j}" for j in JOURS)
        + " FROM arrets_actifs GROUP BY 1")
    con.execute("DELETE FROM horaires_arrets")
    con.execute(f"INSERT INTO horaires_arrets SELECT m.import_id, m.id_maison, {weekly_hours_sql('s')}, "
                f"{open_days_sql('s')} FROM maisons_actifs m JOIN ({stops}) s USING (id_maison)")


# --- The activity summary -------------------------------------------------------------------------------------
# What every activity query reads: the requests in force summed by month at four grains (the requests alone, then
# with the columns some chart breaks them down by), with the registry's attributes the filters use carried on each row (no join
# with the registry per query). Each grain has two forms: per Maison (``niveau`` 0–3) and, for the queries that
# need no Maison nor its format or porteur, per territory (``niveau`` 10–13: the Maisons of a département summed,
# six times fewer rows on the demo's activity). Kept by the writes that change requests or Maisons, in their transaction; the tests check it
# against the detail table.
SUMMARY_LEVELS = {0: (), 1: ("thematique", "type_accompagnement"), 2: ("operateur",), 3: ("sexe", "tranche_age")}
SUMMARY_CARRIED = ("code_region", "code_departement", "format", "structure_porteuse")
TERRITORY = ("code_region", "code_departement")  # what the per-territory forms keep of the carried attributes
PER_TERRITORY = 10  # added to a grain's level: its form without the Maison
_ACTIVITY_COLUMNS = frozenset(c.name for c in KINDS["activite"].columns)


def summary_level(columns, per_maison: bool = True) -> int | None:
    """The summary's level holding every activity column of ``columns`` (None: no grain does; read the detail),
    per Maison or per territory."""
    own = {c for c in columns if c in _ACTIVITY_COLUMNS} - {"id_maison", "mois", "nb"}
    level = next((level for level, held in SUMMARY_LEVELS.items() if own <= set(held)), None)
    return level if level is None or per_maison else level + PER_TERRITORY


def summary_columns(level: int) -> tuple[str, ...]:
    """The columns a level of the summary fills (a query reading another one fails rather than reads nulls)."""
    held = SUMMARY_LEVELS[level % PER_TERRITORY]
    place = TERRITORY if level >= PER_TERRITORY else ("id_maison", *SUMMARY_CARRIED)
    return (*place, "mois", *held, "nb")


def _summary_ddl() -> str:
    types = dict(KINDS["activite"].stored_columns)
    held = [c for cols in SUMMARY_LEVELS.values() for c in cols]
    cols = ", ".join(f"{q(c)} {t}" for c, t in (("id_maison", types["id_maison"]),
                                                *((c, "VARCHAR") for c in SUMMARY_CARRIED),
                                                ("mois", types["mois"]), *((c, types[c]) for c in held)))
    return f"CREATE TABLE IF NOT EXISTS activite_resume (niveau TINYINT, {cols}, nb BIGINT);"


SUMMARY_DDL = _summary_ddl()
_CELL = "coalesce(code_departement, '')"  # a territory form's cell, with the month (a Maison off the registry: '')


def refresh_activity_summary(con, pairs_sql: str | None = None, rows_sql: str | None = None) -> None:
    """Sum the requests in force again: all of them, or those of the Maison × month pairs ``pairs_sql`` selects (an
    import's or a rollback's: what it replaced or restored shares its pairs). ``rows_sql``: the rows in force on
    those pairs when the caller knows them (an import's own rows), read instead of looking them up."""
    if pairs_sql is None:
        con.execute(f"DELETE FROM activite_resume WHERE niveau < {PER_TERRITORY}")
        source = "activite_actifs"
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _paires_resume AS {pairs_sql}")
        con.execute(f"DELETE FROM activite_resume WHERE niveau < {PER_TERRITORY} AND (id_maison, mois) IN "
                    "(SELECT id_maison, mois FROM _paires_resume)")
        source = f"({rows_sql})" if rows_sql else ("(SELECT a.* FROM activite_actifs a SEMI JOIN _paires_resume k "
                                                   "USING (id_maison, mois))")
    carried = ", ".join(f"s.{q(c)}" for c in SUMMARY_CARRIED)
    for level, cols in SUMMARY_LEVELS.items():  # summed per Maison first: the registry is joined to fewer rows
        keys = ", ".join(q(c) for c in ("id_maison", "mois", *cols))
        con.execute(f"INSERT INTO activite_resume BY NAME SELECT {level}::TINYINT AS niveau, g.*, {carried} FROM "
                    f"(SELECT {keys}, sum(nb) AS nb FROM {source} a GROUP BY ALL) g "
                    f"LEFT JOIN sites s USING (id_maison)")
    if pairs_sql is None:
        _refresh_territories(con, None)
        return
    _refresh_territories(con, "SELECT DISTINCT coalesce(s.code_departement, '') AS cellule, k.mois FROM "
                              "_paires_resume k LEFT JOIN sites s USING (id_maison)")
    con.execute("DROP TABLE _paires_resume")


def _refresh_territories(con, cells_sql: str | None) -> None:
    """The per-territory forms summed again from the per-Maison ones: all, or the département × month cells
    ``cells_sql`` selects."""
    within = "" if cells_sql is None else f" AND ({_CELL}, mois) IN ({cells_sql})"
    con.execute(f"DELETE FROM activite_resume WHERE niveau >= {PER_TERRITORY}{within}")
    for level, cols in SUMMARY_LEVELS.items():
        keys = ", ".join(q(c) for c in (*TERRITORY, "mois", *cols))
        con.execute(f"INSERT INTO activite_resume BY NAME SELECT {level + PER_TERRITORY}::TINYINT AS niveau, {keys}, "
                    f"sum(nb) AS nb FROM activite_resume WHERE niveau = {level}{within} GROUP BY ALL "
                    f"ORDER BY code_region, code_departement, mois")


def refresh_activity_places(con) -> None:
    """The registry's attributes carried on the summary, as the registry in force now gives them (after a list's
    import or rollback): only the Maisons whose attributes changed are written; the territories are summed again."""
    sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in SUMMARY_CARRIED)
    differ = " OR ".join(f"activite_resume.{q(c)} IS DISTINCT FROM s.{q(c)}" for c in SUMMARY_CARRIED)
    places = ", ".join(f"c.{q(c)}" for c in SUMMARY_CARRIED)
    changed = con.execute(
        f"UPDATE activite_resume SET {sets} FROM (SELECT p.id_maison, {places} FROM (SELECT DISTINCT "
        f"id_maison FROM activite_resume WHERE niveau < {PER_TERRITORY}) p LEFT JOIN sites c USING (id_maison)) s "
        f"WHERE activite_resume.id_maison = s.id_maison AND ({differ})").fetchall()[0][0]
    if changed:
        _refresh_territories(con, None)


def refresh_sites(con) -> None:
    """The sites as the registry's versions in force now give them (``sites``)."""
    con.execute(SITES_SQL)


def registry_written(con) -> None:
    """What rests on the registry, brought up to date after a list's import or rollback, in its transaction: the
    sites first, then the Maisons' attributes the activity summary carries (read through them)."""
    refresh_sites(con)
    refresh_activity_places(con)


def with_places(sql: str) -> str:
    """Maisons with their département's and région's names."""
    return (f"SELECT m.*, d.departement, d.code_region, d.region FROM ({sql}) m "
            "LEFT JOIN ref_departements d USING (code_departement)")


# The registry's rows are versions of the network (``maisons_actifs``: every version's rows). ``maisons_en_vigueur``
# is the network in force, ``maisons_v`` the same with its places, what every count of Maisons rests on;
# ``sites``: every site any version lists, as its latest version writes it, what activity and answers are
# attributed through (a site closed since keeps its past activity); a table written from ``sites_calcules`` by
# every write that changes the registry (``refresh_sites``), so that a query's perimeter does not rank the
# registry's versions again.
def _active_sql(kind) -> str:
    """The rows in force; a survey's with the weights of its calibration in force (``poids``; the file's in
    ``poids_base``) and each answer's calibration cell (``_cellule``: "id:cell", NULL where not calibrated)."""
    if kind.cluster is None:
        return f"SELECT * FROM {kind.name} WHERE remplace_par IS NULL"
    return (f"SELECT t.* REPLACE (coalesce(r.poids, t.poids) AS poids), t.poids AS poids_base, "
            f"r.id_redressement::VARCHAR || ':' || r.cellule AS _cellule FROM {kind.name} t "
            f"LEFT JOIN poids_redresses r ON r.kind = '{kind.name}' AND r.import_id = t.import_id "
            f"AND r.vague = t.vague AND r.id_reponse = t.id_reponse AND r.grappe = t.{q(kind.cluster)} "
            "WHERE t.remplace_par IS NULL")


VIEWS_SQL = "\n".join(
    f"CREATE OR REPLACE VIEW {name}_actifs AS {_active_sql(k)};" for name, k in KINDS.items()
) + f"""
CREATE OR REPLACE VIEW versions_registre AS
    SELECT import_id, fichier, date_version, perimetre,
           lignes_chargees
    FROM imports WHERE kind = 'maisons' AND statut = '{STATUT_CHARGE}';
CREATE OR REPLACE VIEW maisons_en_vigueur AS {network_sql()};
CREATE OR REPLACE VIEW maisons_v AS {with_places("SELECT * FROM maisons_en_vigueur")};
CREATE OR REPLACE VIEW maisons_connues AS
    SELECT m.* FROM maisons_actifs m JOIN versions_registre v USING (import_id)
    QUALIFY row_number() OVER (PARTITION BY m.id_maison ORDER BY v.date_version DESC, v.import_id DESC) = 1;
CREATE OR REPLACE VIEW sites_calcules AS {with_places("SELECT * FROM maisons_connues")};
DROP VIEW IF EXISTS sites_v; -- what a store made before the sites were a table had in their place
"""
SITES_SQL = "CREATE OR REPLACE TABLE sites AS SELECT * FROM sites_calcules"
VIEWS_SQL += """
CREATE OR REPLACE VIEW ref_regions AS
    SELECT code_region, region, sum(population) AS population,
           sum(latitude * population) / sum(population) AS latitude,
           sum(longitude * population) / sum(population) AS longitude
    FROM ref_departements WHERE type = 'departement' GROUP BY ALL;
"""


def _schema_fingerprint() -> str:
    ref = reference.reference_bytes().decode()
    text = (IMPORTS_DDL + "".join(_kind_ddl(k) for k in KINDS.values()) + HOURS_WITH_STOPS_DDL + SUMMARY_DDL
            + str(SUMMARY_LEVELS) + VIEWS_SQL + SITES_SQL + ref)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the tables; writes nothing when the store is up to date."""
    fingerprint = _schema_fingerprint()
    try:
        current = con.execute("SELECT valeur FROM meta WHERE cle = 'schema'").fetchall()
    except duckdb.CatalogException:
        current = []
    if current and current[0][0] == fingerprint:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(IMPORTS_DDL)
        for kind in KINDS.values():
            con.execute(_kind_ddl(kind))
            existing = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [kind.name]).fetchall()}
            for name, sql_type in kind.stored_columns:
                if name not in existing:  # a column added to the schema since the store was made
                    con.execute(f"ALTER TABLE {kind.name} ADD COLUMN {q(name)} {sql_type}")
            for d in kind.derived:  # computed from the rows already stored
                if d.name not in existing:
                    con.execute(f"UPDATE {kind.name} SET {q(d.name)} = {d.sql}")
        con.register("_ref_departements", reference.departements_table())
        con.execute("CREATE OR REPLACE TABLE ref_departements AS SELECT * FROM _ref_departements")
        con.unregister("_ref_departements")
        con.execute(HOURS_WITH_STOPS_DDL)
        con.execute(VIEWS_SQL)
        _date_legacy_versions(con)
        _label_legacy_waves(con)
        refresh_sites(con)
        refresh_stop_hours(con)
        con.execute(SUMMARY_DDL)
        refresh_activity_summary(con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", [fingerprint])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store: for reading (``read_only``: never blocks a writer, sees the file as it is now), or directly
    for writing (created with its tables if missing). Programs write through ``writing``."""
    path = Path(path) if path else default_db_path()
    if read_only:
        return _reader(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreError(BUSY) from exc
        raise StoreError(f"La base {path} n'a pas pu être ouverte : {exc}") from exc
    ensure_schema(con)
    return con


BUSY = "La base est occupée par une autre écriture (un import, une annulation) : réessayez dans un instant."
WORK_SUFFIX = ".ecriture"  # the private copy a writer works on, swapped in whole when it is done
WRITE_WAIT = float(os.environ.get("MSAP_WRITE_WAIT", "30"))  # seconds a writer waits for the one before it
# DuckDB's memory for a write, in MB (at least the store's own size): beyond, it works through a temporary file
# beside the store. A 200 MB CSV then imports in 0.91 GB of memory (1.17 GB unbounded), 35 % slower.
WRITE_MEMORY_MB = int(os.environ.get("MSAP_WRITE_MEMORY_MB", "384"))


def _reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only view of the file as it is now. Attached to a private in-memory database rather than opened
    directly: DuckDB would hand back an instance it already holds for that path, i.e. the file before the last
    write was swapped in."""
    if not path.exists():
        raise StoreError(f"La base {path} n'existe pas : construisez la démonstration "
                         "(python -m msap_stats demo) ou importez le registre des Maisons.")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{str(path.resolve()).replace(chr(39), chr(39) * 2)}' AS {READER_ALIAS} (READ_ONLY)")
        con.execute(f"USE {READER_ALIAS}")
    except duckdb.Error as exc:
        con.close()
        if "lock" in str(exc).lower():
            raise StoreError(BUSY) from exc
        raise StoreError(f"La base « {path.name} » n'a pas pu être ouverte (fichier endommagé, ou écrit par une "
                         "autre version du logiciel).") from exc
    _FIXED[con] = {}
    return con


READER_ALIAS = "store"
# A reader's answers about its store (its version, its file…), per connection or cursor: a reader sees the file as
# it was when it was opened (writers swap a new file in), so what it answered once stays true for its life.
_FIXED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fixed(con, key: tuple, compute):
    """``compute()``, answered once per reader (``_FIXED``) for ``key``; computed each time on a writer, whose
    store changes under it."""
    answers = _FIXED.get(con)
    if answers is None:
        return compute()
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def reader_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of a reader, for one thread (a cursor starts on DuckDB's own default database: point it back)."""
    cur = con.cursor()
    cur.execute(f"USE {READER_ALIAS}")
    _FIXED[cur] = {}
    return cur


def reader(path: str | Path | None = None, create: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection, the store brought to the current schema first when it is older (and, with
    ``create``, created empty when missing)."""
    path = Path(path) if path else default_db_path()
    if path.exists() or not create:
        con = _reader(path)
        if get_meta(con, "schema") == _schema_fingerprint():
            return con
        con.close()
    with writing(path):
        pass
    return _reader(path)


def empty() -> duckdb.DuckDBPyConnection:
    """A store in memory with its tables and nothing else: what a file is inspected against before any store
    exists (the registry is then empty)."""
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    return con


def file_version(path: str | Path | None = None) -> tuple | None:
    """Changes whenever a write is swapped in (a new file each time)."""
    try:
        st = Path(path or default_db_path()).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


@contextmanager
def writing(path: str | Path | None = None, fresh: bool = False, wait: float | None = None):
    """The store open for writing, for one operation, all or nothing across programs.

    One writer at a time (a lock file; the next one waits up to ``wait`` seconds, then is told the store is
    busy). The writer works on a private copy (``fresh``: an empty store) and the copy replaces the store in one
    rename when the operation succeeds: readers, in this program or another, keep reading the file they opened
    and never see a half-written state; a writer killed at any point leaves the store as it was.
    """
    path = Path(path) if path else default_db_path()
    work = path.with_name(path.name + WORK_SUFFIX)
    with ExitStack() as held:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            held.enter_context(_writer_lock(path, WRITE_WAIT if wait is None else wait))
        except OSError as exc:
            raise _storage_problem(exc, path) from None
        try:
            for leftover in (work, _wal(work)):  # a writer killed before its swap
                leftover.unlink(missing_ok=True)
            if path.exists() and not fresh:
                shutil.copyfile(path, work)
                if _wal(path).exists():  # a store left open for writing by an older version
                    shutil.copyfile(_wal(path), _wal(work))
            con = connect(work)
        except (OSError, StoreError, duckdb.Error) as exc:
            _discard(work)
            raise _storage_problem(exc, path) from None
        try:
            con.execute(f"SET memory_limit = '{max(WRITE_MEMORY_MB, work.stat().st_size >> 20)}MB'")
            version = data_version(con)
            yield con
            if data_version(con) != version:  # the figures change: so does the state they are kept under
                new_state(con)
            con.execute("CHECKPOINT")
            con.close()
            _fsync(work)
            _wal(path).unlink(missing_ok=True)
            os.replace(work, path)
            _fsync(path.parent)
        except BaseException as exc:
            con.close()
            _discard(work)
            if isinstance(exc, (OSError, duckdb.Error)) and _storage_cause(exc):
                raise _storage_problem(exc, path) from None
            raise


def _discard(work: Path) -> None:
    for leftover in (work, _wal(work)):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            pass


_FULL = ("no space left", "disk is full", "could not write", "not enough space")
_READ_ONLY = ("read-only file system", "permission denied", "read only")


def _storage_cause(exc: BaseException) -> str | None:
    """"plein" or "lecture seule" when an error says the store's disk is full or its folder read-only."""
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if code == errno.ENOSPC or any(w in text for w in _FULL):
        return "plein"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(w in text for w in _READ_ONLY):
        return "lecture seule"
    return None


def _storage_problem(exc: BaseException, path: Path) -> StoreError:
    """A write that could not be made, in French: the store is left as it was."""
    if isinstance(exc, StoreError):
        return exc
    cause = _storage_cause(exc)
    if cause == "plein":
        return StoreError(f"Le disque de la base ({path.parent}) est plein : rien n'a été écrit et la base est "
                          "intacte. Libérez de la place (une écriture demande au moins la taille de la base), puis "
                          "recommencez.")
    if cause == "lecture seule":
        return StoreError(f"Le dossier de la base ({path.parent}) est en lecture seule, ou vous n'avez pas le droit "
                          "d'y écrire : rien n'a été écrit et la base est intacte. Le tableau de bord la lit "
                          "toujours ; pour importer, donnez le droit d'écrire dans ce dossier.")
    return StoreError(f"La base n'a pas pu être écrite ({getattr(exc, 'strerror', None) or type(exc).__name__}) : "
                      "rien n'a été écrit et la base est intacte.")


def backup(path: str | Path | None, destination: str | Path) -> dict[str, int]:
    """A consistent copy of the store, even while others read or write it (a write replaces the file whole, and
    the copy reads the file it opened); checked by opening it. Returns the rows in force of each kind."""
    path, destination = Path(path) if path else default_db_path(), Path(destination)
    if destination.resolve() == path.resolve():
        raise StoreError("La copie doit être écrite ailleurs que sur la base elle-même.")
    if not path.exists():
        raise StoreError(f"La base {path} n'existe pas.")
    partial = destination.with_name(destination.name + ".partielle")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "rb") as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 22)
            out.flush()
            os.fsync(out.fileno())
        con = _reader(partial)
        try:
            counts = row_counts(con)
        finally:
            con.close()
        os.replace(partial, destination)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"Impossible d'écrire la copie {destination} : {exc.strerror}.") from None
    return counts


def _wal(path: Path) -> Path:
    return Path(str(path) + ".wal")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _writer_lock(path: Path, wait: float):
    lock_path = path.with_name(path.name + ".verrou")
    with open(lock_path, "a+") as f:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(BUSY) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """All or nothing: commit on success, roll back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def get_meta(con, key: str) -> str | None:
    rows = con.execute("SELECT valeur FROM meta WHERE cle = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def new_state(con) -> None:
    """Mark the store's figures as changed: ``state`` is new (``writing`` does it when the data's version changes; a
    write made otherwise must too)."""
    con.execute("INSERT OR REPLACE INTO meta VALUES ('etat', ?)", [uuid.uuid4().hex])


def state(con) -> str | None:
    """A name for what the store's figures rest on, new at every write that changes the data's version (an import,
    a rollback, a calibration): figures kept under it (``shelf``) are those of this content, in any process and any
    copy of the file not written since. None for a store not written so since this mark was added (its figures are
    kept in memory only)."""
    return get_meta(con, "etat")


def is_demo(con, kind: str | None = None) -> bool:
    """True when rows in force come from the demonstration generator."""
    sql = "SELECT bool_or(demo) FROM imports WHERE statut = ?"
    params: list = [STATUT_CHARGE]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    return fixed(con, ("is_demo", kind), lambda: bool(con.execute(sql, params).fetchall()[0][0]))


def loaded_files(con, kind: str) -> list[str]:
    """The files whose rows of ``kind`` are in force: the source a chart names."""
    return [r[0] for r in con.execute(f"SELECT DISTINCT fichier FROM imports WHERE kind = ? AND {IN_FORCE} ORDER BY 1",
                                      [kind]).fetchall()]


def data_version(con) -> str:
    """Changes whenever an import is loaded or rolled back, or a wave calibrated or its calibration removed (the
    figures change with their weights)."""
    return fixed(con, ("data_version",), lambda: _data_version(con))


def _data_version(con) -> str:
    n, last, cancelled, calibrations = con.execute(
        "SELECT count(*), coalesce(max(import_id), 0), coalesce(max(date_annulation)::VARCHAR, ''), "
        "(SELECT count(*) || '-' || coalesce(max(id_redressement), 0) || '-' || coalesce(max(date_fin)::VARCHAR, '') "
        "FROM redressements) FROM imports").fetchall()[0]
    return f"{n}:{last}:{cancelled}" + ("" if calibrations == "0-0-" else f":{calibrations}")


# The imports whose rows are in force: loaded, and for the registry, a version the network in force rests on.
IN_FORCE = (f"statut = '{STATUT_CHARGE}' AND (kind <> 'maisons' OR import_id IN "
            "(SELECT DISTINCT import_id FROM maisons_en_vigueur))")


def list_imports(con):
    return con.execute(
        "SELECT import_id, kind, fichier, statut, lignes_lues, lignes_chargees, lignes_remplacees, auteur, "
        "date_import, sha256, demo, date_annulation, profil, coalesce(len(avertissements), 0) AS avertissements, "
        f"annule_par, date_version, {IN_FORCE} AS en_vigueur FROM imports ORDER BY import_id").df()


def db_file(con) -> Path | None:
    """The store's file behind a connection (for a writer, the store its private copy will replace; None for an
    in-memory store)."""
    return fixed(con, ("db_file",), lambda: _db_file(con))


def _db_file(con) -> Path | None:
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    if not rows or not rows[0][0]:
        return None
    path = Path(rows[0][0])
    return path.with_name(path.name.removesuffix(WORK_SUFFIX))


def row_counts(con) -> dict[str, int]:
    """Rows in force: the Maisons of the network in force, every other kind's rows."""
    return {k: con.execute(f"SELECT count(*) FROM {'maisons_en_vigueur' if k == 'maisons' else k + '_actifs'}")
            .fetchall()[0][0] for k in KINDS}
