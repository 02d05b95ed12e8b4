"""The registry in versions: a list of Maisons is the network at its date, never added to another.

A list is dated (the date given, else the date its file name writes, else its ``date_liste`` column, else its latest
labelling date, else the day of the import). It covers the whole country when it names at least half the
départements, else only its own départements (a regional list). In each département, the network in force is the
latest version covering it (``store.network_sql``): an older list is kept as a past version and changes no current
figure, a newer one replaces the département's sites whole. Sites are followed from one version to the next by their
identifier, and by their name and commune where the identifier changed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..errors import refuse
from ..fmt import cell, compte
from ..fmt import nombre as _n
from ..store import perimeter
from .matching import distinctive, words

# A date written in a file name: 20240801, 2024-08-01, 2024_08_01, 01-08-2024, 01.08.2024 (not inside a longer number).
_NAME_DATES = (
    re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])[-_.](0[1-9]|1[0-2])[-_.]((?:19|20)\d\d)(?!\d)"),
)


def date_in_name(fichier: str) -> dt.date | None:
    for i, pattern in enumerate(_NAME_DATES):
        m = pattern.search(fichier)
        if m:
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if i == 0 else (m.group(3), m.group(2), m.group(1))
            try:
                return dt.date(int(y), int(mo), int(d))
            except ValueError:
                continue
    return None


def given_date(text: str | None) -> dt.date | None:
    """A date given for a list (``--date``, the page's field): AAAA-MM-JJ or JJ/MM/AAAA."""
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(text).strip(), pattern).date()
        except ValueError:
            pass
    raise refuse(f"date de la liste illisible : « {cell(text, 40)} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA).")


@dataclass
class Version:
    """What a list of Maisons does to the network, said before it is written."""

    date: dt.date
    source: str  # where the date comes from, in French
    perimetre: list[str] | None  # None: the whole country
    sites: int
    departements: list[str] = field(default_factory=list)  # where it becomes the network in force
    par_identifiant: int = 0  # sites of the network in force found again by their identifier
    par_nom: int = 0  # … by their name and commune, under another identifier
    nouveaux: int = 0
    fermes: int = 0  # sites of the network in force it no longer lists: they leave it
    plus_recente: str | None = None  # the later version in force where this one is not

    @property
    def past(self) -> bool:
        return not self.departements

    def text(self) -> str:
        where = ("liste nationale" if self.perimetre is None else
                 f"liste régionale : elle ne concerne que {'le département' if len(self.perimetre) == 1 else 'les départements'} "
                 f"{', '.join(self.perimetre)}")
        head = f"Version du registre datée du {self.date:%d/%m/%Y} ({self.source}) ; {where}."
        if self.past:
            return (f"{head} Elle est antérieure au réseau en vigueur ({self.plus_recente}) : elle est gardée comme "
                    "version passée et ne change aucun chiffre actuel (le réseau à une date : "
                    "indicators --date AAAA-MM-JJ).")
        if not (self.par_identifiant or self.par_nom or self.fermes):
            return f"{head} Elle devient le réseau en vigueur : {compte(self.sites, 'site')}, aucun n'y figurait encore."
        found = []
        if self.par_identifiant:
            found.append(f"{_n(self.par_identifiant)} retrouvé(s) par leur identifiant")
        if self.par_nom:
            found.append(f"{_n(self.par_nom)} par leur nom et leur commune (identifiant changé)")
        found.append(compte(self.nouveaux, "nouveau site", "nouveaux sites"))
        text = (f"{head} Elle devient le réseau en vigueur"
                + ("" if self.perimetre is None and not self.plus_recente else
                   f" dans {compte(len(self.departements), 'département')}")
                + f" : {compte(self.sites, 'site')}, dont {', '.join(found)}.")
        if self.fermes:
            text += (f" {compte(self.fermes, 'site')} du réseau en vigueur n'y "
                     f"{'figure' if self.fermes == 1 else 'figurent'} plus : {'il le quitte' if self.fermes == 1 else 'ils le quittent'} "
                     "(ils restent dans les versions passées, avec leur activité).")
        if self.plus_recente:
            text += f" Ailleurs, une version plus récente reste en vigueur ({self.plus_recente})."
        return text


def _network_key(nom, commune, code_commune, dep) -> tuple:
    return dep, words(commune) if commune else code_commune, frozenset(distinctive(nom))


def plan(con, table: str, fichier: str, explicit: dt.date | None = None) -> Version:
    """The version a list of Maisons (the typed rows of ``table``) would be, against the store's versions."""
    latest_date, labelled, deps = con.execute(
        f"SELECT max(date_liste), max(date_labellisation), list(DISTINCT code_departement) FROM {table}").fetchall()[0]
    deps = set(deps or ())
    named = date_in_name(fichier.replace("\\", "/").rsplit("/", 1)[-1])
    date, source = next((d, s) for d, s in (
        (explicit, "date donnée à l'import"), (named, "date écrite dans le nom du fichier"),
        (latest_date, "colonne « date de la liste »"), (labelled, "dernière date de labellisation"),
        (dt.date.today(), "date de l'import, le fichier n'en donnant aucune")) if d)
    scope = perimeter(deps)
    versions = con.execute("SELECT import_id, fichier, date_version, perimetre FROM versions_registre "
                           "ORDER BY date_version DESC, import_id DESC").fetchall()
    known = {r[0] for r in con.execute("SELECT DISTINCT code_departement FROM maisons_actifs").fetchall()}
    updated, newer = [], set()
    for dep in sorted(deps | known if scope is None else set(scope)):
        current = next((v for v in versions if v[3] is None or dep in v[3]), None)
        if current is None or current[2] <= date:
            updated.append(dep)
        else:
            newer.add(f"« {current[1]} », {current[2]:%d/%m/%Y}")
    version = Version(date, source, scope, con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0], updated,
                      plus_recente="; ".join(sorted(newer)) or None)
    if updated:
        _follow(con, table, updated, version)
    return version


SITE_COLUMNS = "id_maison, nom, commune, code_commune, code_departement"  # what ``site_changes`` reads, in order


@dataclass
class SiteChanges:
    """Two states of the network, site by site: found again (by identifier, or by name and commune where the
    identifier changed), opened, closed."""

    same: list[tuple[str, str]]  # (before, after) identifiers of a site found again
    renamed: int  # of them, found by name and commune (the identifier changed)
    opened: list[str]
    closed: list[str]


def site_changes(old: list[tuple], new: list[tuple]) -> SiteChanges:
    """``old`` and ``new``: rows starting with ``SITE_COLUMNS``."""
    new_ids, old_ids = {r[0] for r in new}, {r[0] for r in old}
    same = [(i, i) for i in sorted(new_ids & old_ids)]

    def keyed(rows, others):  # where identifiers changed: one site left and one come, of the same name and commune
        out: dict[tuple, list] = {}
        for r in rows:
            if r[0] not in others:
                out.setdefault(_network_key(r[1], r[2], r[3], r[4]), []).append(r[0])
        return out

    gone, come = keyed(old, new_ids), keyed(new, old_ids)
    pairs = [(ids[0], come[k][0]) for k, ids in gone.items() if k[2] and len(ids) == 1 and len(come.get(k, ())) == 1]
    paired_old, paired_new = {a for a, _ in pairs}, {b for _, b in pairs}
    return SiteChanges(same + pairs, len(pairs), sorted(new_ids - old_ids - paired_new),
                       sorted(old_ids - new_ids - paired_old))


def _follow(con, table: str, deps: list[str], version: Version) -> None:
    """Count the sites of the network in force in ``deps`` found again, new or closed."""
    old = con.execute(f"SELECT {SITE_COLUMNS} FROM maisons_en_vigueur WHERE list_contains(?, code_departement)",
                      [deps]).fetchall()
    new = con.execute(f"SELECT {SITE_COLUMNS} FROM {table} WHERE list_contains(?, code_departement)",
                      [deps]).fetchall()
    changes = site_changes(old, new)
    version.par_nom = changes.renamed
    version.par_identifiant = len(changes.same) - changes.renamed
    version.nouveaux, version.fermes = len(changes.opened), len(changes.closed)
