"""Imports: a file is read, typed and checked whole, then written in one transaction.

Nothing lost, nothing half-written:
- a file with any invalid row is refused whole and nothing is written;
- the same content imported twice is recognised and not written again;
- rows whose key (a Maison and a month, a response id, a Maison id) is already
  held by an earlier import are refused, unless the user asks to replace them:
  the replaced rows stay in history and come back if the import is rolled back;
- every import is recorded and can be rolled back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ImportRefused, refuse
from ..fmt import nombre as _n
from ..fmt import printable
from .guard import UserFile, as_user_file, display_name
from ..access import roles
from ..access.users import User, current_user, local_user
from . import assistant, journal, profiles, versions
from .profiles import Choices
from .reader import LINE_COLUMN, RawTable
from ..schema import KINDS, SURVEYS, Kind
from ..store import (STATUT_ANNULE, STATUT_CHARGE, StoreError, q, refresh_activity_summary, refresh_stop_hours,
                     registry_written, transaction)
from .conflicts import active_import, conflict_problem, key_conflicts, when
from .validate import Kept, stage

STOP_HOURS_KINDS = ("maisons", "arrets")  # the writes after which a mobile Maison's opening is recomputed


@dataclass
class ImportResult:
    statut: str  # "chargé" or "déjà importé"
    kind: str
    fichier: str
    import_id: int | None = None
    lignes_lues: int = 0
    lignes_chargees: int = 0
    lignes_remplacees: int = 0
    avertissements: list[str] = field(default_factory=list)
    import_existant: dict | None = None
    maison: str | None = None  # the Maison chosen for a file without a Maison column: "12 « France services de … »"
    version: str | None = None  # what a registry did to the network (versions.Version.text)
    vague: tuple[str, str] | None = None  # survey answers: the wave given to those the file gives none, and how
    profil_enregistre: str | None = None  # the source profile this import saved

    @property
    def already(self) -> bool:
        return self.statut != STATUT_CHARGE

    def message(self) -> str:
        label = KINDS[self.kind].label
        if self.already:
            e = self.import_existant
            return (f"« {self.fichier} » est déjà chargé : son contenu est celui de l'import n°{e['import_id']} "
                    f"(« {e['fichier']} », {when(e['date_import'])}, par {e['auteur']}). Rien n'a été écrit.")
        text = (f"Import n°{self.import_id} ({label}) : {_n(self.lignes_chargees)} ligne(s) chargée(s) "
                f"sur {_n(self.lignes_lues)} lue(s) depuis « {self.fichier} »"
                + (f", pour la Maison {self.maison}." if self.maison else ".")
                + (f" {self.version}" if self.version else "")
                + (f" Vague d'enquête « {self.vague[0]} » ({self.vague[1]})." if self.vague else "")
                + (f" Profil de source « {printable(self.profil_enregistre)} » enregistré pour les prochains fichiers "
                   "aux mêmes en-têtes." if self.profil_enregistre else ""))
        if self.lignes_remplacees:
            text += f" {_n(self.lignes_remplacees)} ligne(s) antérieure(s) remplacée(s), conservée(s) dans l'historique."
        return "\n".join([text, *self.avertissements])


def import_file(con, path: str | Path, kind: str, *, replace: bool = False, auteur: str | None = None,
                fichier: str | None = None, user: User | None = None, **assistant_options) -> ImportResult:
    fichier = fichier or display_name(path)
    try:
        source = UserFile.open(path, fichier)  # hashed as a stream: a CSV is never held whole in memory
    except ImportRefused as exc:  # a device, a tube, a folder, too big: refused before any byte is kept
        journal.record_refusal(con, exc, kind, _acting(user, auteur)[1])
        raise
    return import_bytes(con, source, fichier, kind, replace=replace, auteur=auteur, user=user, **assistant_options)


def import_bytes(con, data: bytes | UserFile, fichier: str, kind: str, *, replace: bool = False, auteur: str | None = None,
                 choices: Choices | None = None, profile: str | None = None, accept_suggestions: bool = False,
                 maison: str | None = None, save_profile: str | None = None,
                 user: User | None = None) -> ImportResult:
    """The command line's import (and any caller's with bytes): the assistant, then ``import_inspection``.

    What the assistant is sure of is applied; ``accept_suggestions`` applies its probable proposals too;
    ``choices`` (the page's edits, or --maison) and a saved ``profile`` override them. Anything unresolved
    refuses the file with every problem and the suggestions. A refusal is written to the journal of refusals.
    """
    actor, auteur = _acting(user, auteur)
    fichier = printable(fichier)  # a name is data: no line break or escape code reaches the log or a terminal
    try:
        source = as_user_file(data, fichier)
    except ImportRefused as exc:  # too big
        journal.record_refusal(con, exc, kind, auteur)
        raise
    sha = source.sha256
    same = active_import(con, KINDS[kind], "sha256", sha)
    if same:
        return ImportResult("déjà importé", kind, fichier, import_existant=same)
    if maison:
        choices = (choices or Choices()).merged(Choices(maison=maison))
    try:
        roles.check_import(con, actor, kind)  # a reader is refused before the file is read
        insp = assistant.inspect(con, source, fichier, kind, choices=choices, profile=profile,
                                 accept_suggestions=accept_suggestions, check=False, sha256=sha, user=actor)
    except ImportRefused as exc:
        exc.fichier = exc.fichier or fichier
        journal.record_refusal(con, exc, kind, auteur, sha)
        raise
    return import_inspection(con, insp, replace=replace, auteur=auteur, save_profile=save_profile, user=user)


def import_inspection(con, insp: assistant.Inspection, *, replace: bool = False, auteur: str | None = None,
                      save_profile: str | None = None, user: User | None = None) -> ImportResult:
    """The file as the assistant inspected it, written in one transaction.

    The page confirms the inspection it showed: its rows, read once and checked once (``inspect(keep=True)``),
    are loaded as they are, unless the store changed since they were checked (they are then checked again).
    """
    kind = insp.kind
    actor, auteur = _acting(user, auteur)
    fichier = printable(insp.fichier)
    same = active_import(con, kind, "sha256", insp.sha256)
    if same:
        return ImportResult("déjà importé", kind.name, fichier, import_existant=same)
    try:
        roles.check_import(con, actor, kind.name)
        if insp.unresolved or insp.refused:
            raise insp.problems()
        result = _load(con, insp.raw, kind, sha=insp.sha256, fichier=fichier, auteur=auteur, replace=replace,
                       actor=actor, warnings=insp.warnings,
                       profil=(save_profile or (insp.profile.nom if insp.profile else None)),
                       save=(insp.signature, insp.profile_choices) if save_profile else None,
                       suggestions=insp.suggestions(), kept=insp.kept, date_version=insp.date_version,
                       planned=insp.version)
    except ImportRefused as exc:
        exc.fichier = exc.fichier or fichier
        journal.record_refusal(con, exc, kind.name, auteur, insp.sha256)
        raise
    if insp.needs_maison and insp.maison:
        nom = con.execute("SELECT nom FROM maisons_connues WHERE id_maison = ?", [insp.maison]).fetchall()
        result.maison = f"{printable(insp.maison)} « {printable(nom[0][0]) if nom else '?'} »"
    return result


def _acting(user: User | None, auteur: str | None) -> tuple[User, str]:
    """Who acts (a logged-in user, or this machine's person) and the name the journal gives them."""
    actor = user or local_user()
    return actor, actor.email if user else (auteur or current_user())


def import_table(con, table: pa.Table, kind: str, *, fichier: str, auteur: str | None = None, demo: bool = False,
                 replace: bool = False) -> ImportResult:
    """Import rows built in memory (the demo) through the same checks as a file."""
    k = KINDS[kind]
    columns = {name: pc.cast(table.column(name), pa.string()) for name in table.column_names}
    columns[LINE_COLUMN] = pa.array(range(2, table.num_rows + 2), pa.int64())
    raw = RawTable(pa.table(columns), {n: n for n in table.column_names}, "mémoire", 1)
    sha = hashlib.sha256(f"{fichier}:{table.num_rows}:{table.schema}".encode()).hexdigest()
    try:
        return _load(con, raw, k, sha=sha, fichier=fichier, auteur=auteur, replace=replace, demo=demo)
    except ImportRefused as exc:
        exc.fichier = exc.fichier or fichier
        raise


def _load(con, raw: RawTable, kind: Kind, *, sha: str, fichier: str, auteur: str | None, replace: bool,
          demo: bool = False, warnings: list[str] = (), profil: str | None = None,
          save: tuple[str, Choices] | None = None, suggestions: list[str] = (),
          actor: User | None = None, kept: Kept | None = None, date_version: str | None = None,
          planned: versions.Version | None = None) -> ImportResult:
    """Write the rows. ``kept`` and ``planned``: the inspection's checked rows and registry version, used as they
    are unless the store changed since (they are then checked and planned again)."""
    if raw.rows == 0:
        raise refuse(f"le fichier ne contient aucune ligne de données sous l'en-tête (ligne {raw.header_row}).", fichier)
    try:
        restaged = kept and kept.restage(con)  # None if the store changed
        staged = restaged or stage(con, raw, kind)
    except ImportRefused as exc:
        exc.suggestions = list(suggestions)
        raise
    warnings = [*warnings, *(w for w in staged.warnings if w not in warnings)]  # an inspection's, said once
    try:
        if actor is not None:
            roles.check_import(con, actor, kind.name, staged.table)  # every row within the user's régions
        same = active_import(con, kind, "empreinte", staged.fingerprint)
        if same:
            return ImportResult("déjà importé", kind.name, fichier, lignes_lues=raw.rows, import_existant=same)
        version = None if kind.name != "maisons" else (
            planned if restaged and planned else versions.plan(con, staged.table, fichier,
                                                               versions.given_date(date_version)))
        conflicts = key_conflicts(con, staged)
        if conflicts and not replace:
            raise ImportRefused([conflict_problem(kind, c) for c in conflicts])
        cols = [name for name, _ in kind.stored_columns]
        col_list = ", ".join(q(c) for c in cols)
        keys = ", ".join(q(k) for k in kind.key)
        with transaction(con):
            import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
            who = actor or User(auteur or current_user(), "admin")
            if save:
                profiles.save_profile(con, profil, kind.name, save[0], save[1], who)
            elif profil:
                profiles.applied(con, profil, who)
            replaced = 0
            if conflicts:
                replaced = con.execute(
                    f"UPDATE {kind.name} SET remplace_par = ? WHERE remplace_par IS NULL AND ({keys}) IN "
                    f"(SELECT DISTINCT {keys} FROM {staged.table})", [import_id]).fetchall()[0][0]
            con.execute(f"INSERT INTO {kind.name} (import_id, ligne, remplace_par, {col_list}) "
                        f"SELECT ?, ligne, NULL, {col_list} FROM {staged.table}", [import_id])
            if kind.name in STOP_HOURS_KINDS:
                refresh_stop_hours(con)
            con.execute(
                "INSERT INTO imports (import_id, kind, fichier, sha256, empreinte, auteur, date_import, lignes_lues, "
                "lignes_chargees, lignes_remplacees, statut, demo, feuille, ligne_entete, avertissements, profil, "
                "format, date_version, perimetre) VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?)",
                [import_id, kind.name, fichier, sha, staged.fingerprint, auteur or current_user(), raw.rows,
                 staged.rows, replaced, STATUT_CHARGE, demo, raw.sheet, raw.header_row, warnings, profil,
                 raw.format, version.date if version else None, version.perimetre if version else None])
            _refresh_summary(con, kind.name, _import_pairs(import_id),  # once the import is in force
                             f"SELECT * FROM activite WHERE import_id = {int(import_id)}")
            lapsed = _recalibrate(con, kind.name, auteur or current_user())
            if lapsed:
                warnings = [*warnings, *lapsed]
                con.execute("UPDATE imports SET avertissements = ? WHERE import_id = ?", [warnings, import_id])
        return ImportResult(STATUT_CHARGE, kind.name, fichier, import_id, raw.rows, staged.rows, replaced, warnings,
                            version=version.text() if version else None, vague=staged.vague,
                            profil_enregistre=profil if save else None)
    finally:
        staged.drop(con)


def _recalibrate(con, kind: str, auteur: str) -> list[str]:
    """A calibrated wave calibrated again on its answers (after a survey's import) or its Maisons (after a list's)
    as they now are; what lapsed, said. (The calibration's tools, pandas among them, are loaded here: an activity
    import does without them.)"""
    if kind == "activite":
        return []
    from . import redressement

    if KINDS[kind].cluster:
        return redressement.refresh(con, kind, auteur)
    if kind == "maisons":
        return [w for survey in SURVEYS for w in redressement.refresh(con, survey, auteur, registry=True)]
    return []


def rollback(con, import_id: int, auteur: str | None = None, user: User | None = None) -> str:
    if user is not None:
        roles.check_rollback(con, user, import_id)
        auteur = user.email
    rows = con.execute("SELECT kind, fichier, statut FROM imports WHERE import_id = ?", [import_id]).fetchall()
    if not rows:
        raise StoreError(f"Aucun import n°{import_id}.")
    kind, fichier, statut = rows[0]
    if statut != STATUT_CHARGE:
        raise StoreError(f"L'import n°{import_id} (« {fichier} ») est déjà annulé.")
    with transaction(con):
        if kind == "activite":  # the pairs it brought, before its rows go (those it restores share them)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _paires AS {_import_pairs(import_id)}")
        deleted = con.execute(f"DELETE FROM {kind} WHERE import_id = ?", [import_id]).fetchall()[0][0]
        restored = con.execute(f"UPDATE {kind} SET remplace_par = NULL WHERE remplace_par = ?", [import_id]).fetchall()[0][0]
        if kind == "maisons":
            _refuse_orphans(con, import_id)
        if kind in STOP_HOURS_KINDS:
            refresh_stop_hours(con)
        con.execute("UPDATE imports SET statut = ?, date_annulation = now()::TIMESTAMP, annule_par = ? WHERE import_id = ?",
                    [STATUT_ANNULE, auteur or current_user(), import_id])
        _refresh_summary(con, kind, "SELECT * FROM _paires")  # once the import is out of force
        con.execute("DROP TABLE IF EXISTS _paires")
        lapsed = _recalibrate(con, kind, auteur or current_user())  # once the import is out of force
    text = f"Import n°{import_id} (« {fichier} ») annulé : {_n(deleted)} ligne(s) retirée(s)"
    text += f", {_n(restored)} ligne(s) remplacée(s) rétablie(s)." if restored else "."
    return " ".join([text, *(w[0].upper() + w[1:] for w in lapsed)])


def _import_pairs(import_id: int) -> str:
    return f"SELECT DISTINCT id_maison, mois FROM activite WHERE import_id = {int(import_id)}"


def _refresh_summary(con, kind: str, pairs_sql: str, rows_sql: str | None = None) -> None:
    """The activity summary after a write of ``kind``: the requests of the pairs written summed again (an import's
    pairs hold its rows only: it replaced every other), or the Maisons' attributes carried again after a list."""
    if kind == "activite":
        refresh_activity_summary(con, pairs_sql, rows_sql)
    elif kind == "maisons":
        registry_written(con)


def _refuse_orphans(con, import_id: int) -> None:
    """Rows of other kinds must not be left pointing at Maisons that no longer exist."""
    parts = [f"SELECT import_id, count(*) AS n FROM {k.name}_actifs WHERE id_maison NOT IN (SELECT id_maison FROM maisons_connues) GROUP BY 1"
             for k in KINDS.values() if k.name != "maisons" and any(c.maison_ref for c in k.columns)]
    rows = con.execute(" UNION ALL ".join(parts)).fetchall()
    if rows:
        detail = ", ".join(f"n°{i} ({_n(n)} lignes)" for i, n in sorted(rows))
        raise StoreError(f"Impossible d'annuler l'import n°{import_id} : des imports font référence à ses Maisons "
                         f"({detail}). Annulez-les d'abord.")



