"""The import assistant: what a file holds and how it maps to the project, before anything is written.

``inspect`` reads a file, finds its layout, proposes a project column for each
of its columns and a code for each unknown value (with how sure each proposal
is), applies what is sure (and, when asked, what is probable), a saved profile
and the person's own choices, then checks every row with the validator. The
page, ``python -m msap_stats inspect`` and ``import`` all go through it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ImportRefused, Problem, refuse
from .. import reference
from ..fmt import MONTH_WORDS, cell, first_number, nombre, quoted_list
from .guard import UserFile, as_user_file
from .reader import CELL_COLUMN, LINE_COLUMN, SHEET_COLUMN, RawTable, each_column, read_book
from ..schema import KINDS, Column, Kind, normalize_key
from .conflicts import active_import, conflict_text, key_conflicts
from .validate import Kept, stage
from . import layout, versions, waves
from .layout import Frame
from .matching import (BLANK, FALLBACK, IGNORED, KEEP, PROBABLE, SPLIT_CODES, SURE, ColumnMatch, ValueMatch,
                       distinctive, propose_columns, propose_values, words)
from .versions import Version, given_date
from ..access.users import User
from .profiles import Choices, Profile, get_profile, header_signature, matching_profile

TOP_VALUES = 300  # distinct values looked at per column


@dataclass
class MaisonProposal:
    id_maison: str
    nom: str
    raison: str


@dataclass
class Inspection:
    kind: Kind
    fichier: str
    sha256: str
    frame: Frame
    columns: list[ColumnMatch]  # one proposal per file column
    mapping: dict[str, str]  # project column -> file column, as applied
    values: dict[str, list[ValueMatch]]  # project column -> proposals for its unknown values
    value_map: dict[str, dict[str, str]]  # project column -> {file value: code, KEEP or BLANK}, as applied
    needs_maison: bool
    maison: str | None
    maison_proposal: MaisonProposal | None
    profile: Profile | None
    signature: str
    decided_columns: set[str] = field(default_factory=set)  # file columns the person (or a profile) decided on
    unresolved: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    raw: RawTable | None = None
    refused: ImportRefused | None = None
    rows_ready: int = 0
    undecided: dict[str, list[str]] = field(default_factory=dict)  # column -> values only the assistant chose
    already: dict | None = None  # the import that already holds exactly these rows
    conflicts: list[str] = field(default_factory=list)  # keys already loaded by earlier imports (need "replace")
    kept: Kept | None = None  # the typed rows, when asked to keep them for the import that confirms this inspection
    readings: dict[str, str] = field(default_factory=dict)  # yes/no column -> how its cells are read
    looks_like: str | None = None  # another kind of file this one has every required column of
    misplaced: int = 0  # sites whose coordinates lie out of their département
    drop_misplaced: bool = False  # their coordinates dropped rather than kept, as chosen
    date_version: str | None = None  # a registry's date, as given (AAAA-MM-JJ)
    version: Version | None = None  # what a registry would do to the network
    vague_donnee: str | None = None  # a survey's wave, as given
    vague: tuple[str, str] | None = None  # the wave given to the answers without one, and how it was found

    @property
    def ready(self) -> bool:
        return not self.unresolved and self.refused is None and self.raw is not None

    @property
    def empty(self) -> bool:
        """A header and no row under it: nothing to import, whatever is chosen."""
        return self.raw is not None and self.raw.rows == 0

    @property
    def choices(self) -> Choices:
        """The mapping as applied, with the Maison chosen for a one-Maison file."""
        return self.profile_choices.merged(Choices(maison=self.maison if self.needs_maison else None,
                                                   drop_misplaced=self.drop_misplaced, date_version=self.date_version,
                                                   vague=self.vague_donnee))

    @property
    def profile_choices(self) -> Choices:
        """What a profile keeps: columns and values, not the Maison (the next file may be another Maison's)."""
        # A column left out is kept out only when the assistant had proposed one for it (the person said no): one it
        # proposed nothing for, by its name or its values, is judged again on the next file's values.
        cols: dict[str, str | None] = {m.fichier: None for m in self.columns if m.colonne}
        cols.update({f: c for c, f in self.mapping.items()})
        return Choices(cols, {c: dict(m) for c, m in self.value_map.items() if m})

    def as_dict(self) -> dict:
        """What ``inspect --json`` prints."""
        result = {"fichier": self.fichier, "type": self.kind.name, "sha256": self.sha256,
                  "mise_en_page": {"format": self.frame.format, "forme": self.frame.shape,
                                   "ligne_entete": self.frame.header_row, "feuilles": self.frame.sheets,
                                   "notes": self.frame.notes},
                  "colonnes": [{"fichier": m.fichier, "proposee": m.colonne, "certitude": m.certitude,
                                "raison": m.raison, "appliquee": self._applied(m.fichier), "exemples": list(m.exemples)}
                               for m in self.columns],
                  "valeurs": {c: [{"valeur": v.valeur, "lignes": v.nombre, "proposee": v.code, "certitude": v.certitude,
                                   "raison": v.raison, "appliquee": self.value_map.get(c, {}).get(v.valeur)}
                                  for v in vs] for c, vs in self.values.items()},
                  "maison": {"requise": self.needs_maison, "choisie": self.maison,
                             "proposee": self.maison_proposal.__dict__ if self.maison_proposal else None},
                  "profil": self.profile.nom if self.profile else None,
                  "avertissements": self.warnings, "pret": self.ready, "lignes_pretes": self.rows_ready,
                  "deja_importe": self.already, "conflits": self.conflicts, "lectures": self.readings,
                  "ressemble_a": self.looks_like, "coordonnees_hors_departement": self.misplaced,
                  "version": self.version.text() if self.version else None,
                  "vague": {"libelle": self.vague[0], "origine": self.vague[1]} if self.vague else None}
        problems = self.problems()
        result["problemes"] = {"total": problems.total,
                               "groupes": [{"raison": g.raison, "colonne": g.colonne, "nombre": g.total,
                                            "premiers": [p.text() for p in g.problems[:10]]} for g in problems.groups()],
                               "suggestions": problems.suggestions}
        return result

    def _applied(self, fichier: str) -> str | None:
        return next((c for c, f in self.mapping.items() if f == fichier), None)

    def problems(self) -> ImportRefused:
        """Every problem: the unresolved mapping first, then the rows the validator refused."""
        found = list(self.unresolved) + (self.refused.problems if self.refused else [])
        total = len(self.unresolved) + (self.refused.total if self.refused else 0)
        return ImportRefused(found, total=total, fichier=self.fichier, suggestions=self.suggestions())

    def suggestions(self) -> list[str]:
        out = []
        for m in self.columns:
            if m.colonne and m.certitude != SURE and self.mapping.get(m.colonne) != m.fichier:
                out.append(f"colonne « {cell(m.fichier)} » → {m.colonne} ({m.certitude} : {m.raison})")
        for col, matches in self.values.items():
            applied = self.value_map.get(col, {})
            for v in matches:
                if v.valeur not in applied and v.code:
                    label = "garder telle quelle" if v.code == KEEP else v.code
                    out.append(f"{col} : « {cell(v.valeur)} » → {label} ({v.certitude} : {v.raison})")
        if self.needs_maison and not self.maison and self.maison_proposal:
            p = self.maison_proposal
            out.append(f"Maison du fichier : {cell(p.id_maison)} « {cell(p.nom)} » ({p.raison}) → --maison {cell(p.id_maison)}")
        if out:
            out.append("Relancez avec --accept-suggestions pour les appliquer (ou --valeur COLONNE:VALEUR=CODE une à une), "
                       "ou choisissez sur la page « Importer ».")
        return out


def _counts(column: pa.ChunkedArray) -> list[tuple[str, int]]:
    vc = pc.value_counts(column.drop_null()) if column.null_count < len(column) else None
    if vc is None:
        return []
    pairs = sorted(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist()), key=lambda p: -p[1])
    return pairs[:TOP_VALUES]


def _accepts(certainty: str, accept: bool) -> bool:
    return certainty == SURE or (accept and certainty in (PROBABLE, FALLBACK))


def inspect(con, data: bytes | UserFile, fichier: str, kind: str, *, choices: Choices | None = None,
            profile: str | None = None, accept_suggestions: bool = False, accept_fallback: bool | None = None,
            use_profile: bool = True, check: bool = True, sha256: str | None = None, keep: bool = False,
            accept_maison: bool | None = None, user: User | None = None) -> Inspection:
    """Everything the assistant knows of a file; writes nothing.

    ``profile`` names a saved profile; without it, a profile saved for the same headers is used, unless
    ``use_profile`` is false. ``accept_suggestions`` applies the probable proposals, and the fallback ones
    ("Autre") unless ``accept_fallback`` is false: the page pre-fills the first and asks for the second.
    The Maison proposed for a file about one Maison is applied with the suggestions, unless ``accept_maison`` is
    false: the page has the person choose it. ``keep`` keeps the checked rows (``Inspection.kept``), so that ``importer.import_inspection`` loads them as
    they were shown, without reading or checking the file a second time.
    """
    accept_fallback = accept_suggestions if accept_fallback is None else accept_fallback
    accept_maison = accept_suggestions if accept_maison is None else accept_maison
    k = KINDS[kind]
    source = as_user_file(data, fichier)
    book = read_book(source, fichier, layout.head_score(k, layout.year_in(fichier)))  # a CSV's separator: by its header
    if kind not in ("maisons", "arrets") and book.format == "geojson":
        raise refuse("un fichier GeoJSON ne peut être que le registre des Maisons ou les arrêts d'une Maison "
                     "itinérante.", fichier)
    frame = layout.detect(book, k, fichier)
    counts = dict(zip(frame.headers, each_column(lambda h: _counts(frame.table.column(h)), frame.headers,
                                                 len(frame.table))))
    proposals = propose_columns(k, frame.headers, counts, frame.fixed)
    sig = header_signature(kind, frame.headers)
    prof = (get_profile(con, profile, user) if profile else
            (matching_profile(con, kind, sig, user) if use_profile else None))  # the user's régions' or national
    if profile and prof is None:
        raise refuse(f"aucun profil de source nommé « {profile} » (python -m msap_stats profiles list).", fichier)
    applied = Choices({m.fichier: m.colonne for m in proposals if m.colonne and _accepts(m.certitude, accept_suggestions)})
    decided = applied.merged(prof.choices if prof else None).merged(choices)
    mapping: dict[str, str] = {}
    twice: list[Problem] = []
    names = {col.name for col in k.columns}
    for f in frame.headers:  # in the file's order: the first column chosen for a project column keeps it
        c = decided.colonnes.get(f)
        if c in mapping:
            twice.append(Problem(f"« {mapping[c]} » et « {f} » sont toutes deux données pour « {c} » "
                                 f"({k.column(c).label}) : n'en gardez qu'une", colonne=f))
        elif c in names:
            mapping[c] = f
    insp = Inspection(k, fichier, sha256 or source.sha256, frame, proposals, mapping, {}, {},
                      False, None, None, prof, sig, unresolved=twice, warnings=list(frame.warnings))
    insp.decided_columns = set(prof.choices.colonnes if prof else ()) | set(choices.colonnes if choices else ())
    _values(con, insp, counts, decided, accept_suggestions, accept_fallback)
    _maison(con, insp, decided, accept_maison, counts)
    insp.drop_misplaced = bool(choices and choices.drop_misplaced)
    insp.date_version = choices.date_version if choices else None
    insp.vague_donnee = waves.given_label(choices.vague if choices else None)
    insp.raw = _raw_table(insp)
    _unresolved(insp)
    if any(p.raison.startswith("colonne obligatoire") for p in insp.unresolved):
        _other_kind(insp, counts)
    elif k.name == "maisons":
        _stops_as_registry(con, insp, counts)
    if check and insp.raw is not None and not insp.unresolved:
        try:
            if insp.empty:
                raise refuse(f"le fichier ne contient aucune ligne de données sous l'en-tête (ligne {frame.header_row}).")
            staged = stage(con, insp.raw, k)
            try:
                insp.rows_ready = staged.rows
                insp.readings = staged.readings
                insp.misplaced = staged.misplaced
                insp.vague = staged.vague
                insp.warnings += staged.warnings
                insp.already = active_import(con, k, "empreinte", staged.fingerprint)
                insp.conflicts = [conflict_text(k, c) for c in key_conflicts(con, staged)]
                if k.name == "maisons":
                    insp.version = versions.plan(con, staged.table, fichier, given_date(insp.date_version))
                if keep:
                    insp.kept = staged.keep(con)
            finally:
                staged.drop(con)
        except ImportRefused as exc:
            insp.refused = exc
    return insp


def _values(con, insp: Inspection, counts: dict, decided: Choices, accept: bool, fallback: bool) -> None:
    for c, f in insp.mapping.items():
        col = insp.kind.column(c)
        if not col.coded and not col.maison_ref:
            continue
        seen = counts.get(f, [])
        matches = propose_maisons(con, seen) if col.maison_ref else propose_values(col, seen)
        insp.values[c] = matches
        chosen = {v.valeur: v.code for v in matches
                  if v.code and _accepts(v.certitude, accept) and (fallback or v.certitude != FALLBACK)}
        decided_here = {v: code for v, code in decided.valeurs.get(c, {}).items() if code}
        chosen.update(decided_here)
        insp.value_map[c] = chosen
        # Values nobody decided on (new since the profile, or proposals): the page opens them for a look.
        insp.undecided[c] = [v.valeur for v in matches if v.valeur not in decided_here and v.certitude != SURE]


def _maison(con, insp: Inspection, decided: Choices, accept: bool, counts: dict) -> None:
    """A file about one Maison has no Maison column: the Maison is chosen, or proposed from its title rows (for a
    mobile Maison's stops, from the name every row writes)."""
    ref = next((c for c in insp.kind.columns if c.maison_ref and c.required), None)
    if ref is None or ref.name in insp.mapping:
        return
    insp.needs_maison = True
    insp.maison_proposal = propose_maison(con, insp.frame)
    if insp.maison_proposal is None and insp.kind.name == "arrets":
        insp.maison_proposal = mobile_site(con, _shared_values(insp, counts), _file_departements(insp, counts),
                                           _file_communes(insp, counts))
    insp.maison = decided.maison or (insp.maison_proposal.id_maison if accept and insp.maison_proposal else None)


def maisons(con) -> list[tuple[str, str, str]]:
    """(id, name, where: commune and département) of the Maisons in the registry, by name: what a file about one
    Maison may be about: every site the registry lists, in force or not (a past month's file of a site closed
    since)."""
    return con.execute("SELECT id_maison, nom, concat_ws(', ', commune, departement || ' (' || code_departement || ')', "
                       "CASE WHEN id_maison NOT IN (SELECT id_maison FROM maisons_en_vigueur) "
                       "THEN 'hors du réseau en vigueur' END) FROM sites ORDER BY nom, id_maison").fetchall()


MOBILE_FORMATS = ("bus", "itinerante")
MOBILE_WORDS = frozenset({"bus", "itinerant", "itinerante", "itinerance", "mobile", "camion"})


def _shared_values(insp: Inspection, counts: dict) -> list[str]:
    """The texts every row of the file writes in one column (a bus's name on each of its stops)."""
    rows = len(insp.frame.table)
    return [vals[0][0] for h, vals in counts.items()
            if rows >= 2 and len(vals) == 1 and vals[0][1] == rows and vals[0][0]
            and not re.fullmatch(r"[\d\s.,/:-]+", str(vals[0][0]))]


def _file_departements(insp: Inspection, counts: dict) -> set[str]:
    """The départements the file's rows are in: its département column, else its communes' codes."""
    if "code_departement" in insp.mapping:
        return {str(v).strip().zfill(2) for v, _ in counts.get(insp.mapping["code_departement"], []) if v}
    if "code_commune" in insp.mapping:
        return {d for v, _ in counts.get(insp.mapping["code_commune"], []) if (d := departement_of_commune(v))}
    return set()


def mobile_site(con, names: list[str], deps: set[str], communes: set[str] = frozenset()) -> MaisonProposal | None:
    """The one mobile Maison of the network in force (a bus, an itinerant Maison) every distinctive word of whose
    name one of ``names`` writes, in one of ``deps`` if any are known; of two that fit as well, the one whose
    commune is among the file's ``communes`` (words); none when none fits or two still do."""
    rows = con.execute("SELECT id_maison, nom, code_departement, format, commune FROM maisons_en_vigueur").fetchall()
    mobile = [(str(i), nom, w, words(commune or "") in communes) for i, nom, dep, fmt, commune in rows
              if (w := distinctive(nom)) and (fmt in MOBILE_FORMATS or w & MOBILE_WORDS) and (not deps or dep in deps)]
    for name in names:
        said = set(words(name).split())
        fits = sorted(((len(w), here, i, nom) for i, nom, w, here in mobile if w <= said), reverse=True)
        if fits and (len(fits) == 1 or fits[0][:2] > fits[1][:2]):
            return MaisonProposal(fits[0][2], fits[0][3], f"Maison itinérante dont chaque ligne écrit le nom "
                                                          f"(« {cell(name, 80)} »)")
    return None


def _file_communes(insp: Inspection, counts: dict) -> set[str]:
    f = insp.mapping.get("commune")
    return {words(v) for v, _ in counts.get(f, []) if v} if f else set()


def _stops_as_registry(con, insp: Inspection, counts: dict) -> None:
    """A registry whose every row writes one same name is no list of Maisons: the stops of a mobile Maison (said
    as such when the network holds it), never as many new Maisons."""
    f = insp.mapping.get("nom")
    rows = len(insp.frame.table)
    values = counts.get(f, []) if f else []
    if rows < 2 or len(values) != 1 or values[0][1] != rows:
        return
    name = values[0][0]
    site = mobile_site(con, [name], _file_departements(insp, counts), _file_communes(insp, counts))
    if site:
        insp.looks_like = "arrets"
        text = (f"les {nombre(rows)} lignes portent toutes le nom de la Maison itinérante {site.id_maison} "
                f"« {cell(site.nom, 80)} », déjà au registre : ce sont ses arrêts, pas {nombre(rows)} Maisons ; "
                f"importez-les comme « {KINDS['arrets'].label} » (en ligne de commande : --kind arrets)")
    elif rows >= 3:
        text = (f"les {nombre(rows)} lignes portent toutes le même nom « {cell(name, 80)} » : un registre liste "
                "chaque Maison une fois. S'il s'agit des arrêts d'une Maison itinérante, importez d'abord le registre "
                f"qui la liste, puis ce fichier comme « {KINDS['arrets'].label} » (en ligne de commande : --kind arrets)")
    else:
        return
    insp.unresolved.insert(0, Problem(text, colonne=f, ligne=insp.frame.header_row))


# An identifier written after one of these words is one; a bare number ("n° 1", "(12)") never is.
ID_LABEL = re.compile(r"(?:identifiant|id[ _-]?fs|id[ _-]?maison)\s*:?\s*([\w-]+)", re.IGNORECASE)


def _departements_named(said: set[str]) -> set[str]:
    """The départements whose whole name the file's title rows write ("Corrèze", "Haute-Savoie")."""
    deps = reference.departements_table()
    return {code for code, name in zip(deps.column("code_departement").to_pylist(), deps.column("departement").to_pylist())
            if (w := set(words(name).split())) and w <= said}


def propose_maison(con, frame: Frame) -> MaisonProposal | None:
    """The Maison the file's title rows (or sheet names) name for sure, or none.

    Sure: an identifier written as the registry writes it (with letters, or after "identifiant"), or every
    distinctive word of a site's name and of its commune; and no département named elsewhere in the titles that
    says otherwise. Never a bare number ("n° 1"), nor a month a sheet is named after, nor one of two sites that fit
    as well as each other.
    """
    titles = [t for t in frame.title_text if t]
    sheets = [s for s in frame.sheets if s]
    if not titles and not sheets:
        return None
    said = set().union(*(set(words(t).split()) for t in titles),
                       *(set(words(s).split()) - set(MONTH_WORDS) for s in sheets))
    named = _departements_named(said)
    sites = _sites(con)
    by_id = {i: (nom, dep) for i, nom, dep, _, _ in sites}
    for t in titles + sheets:
        found = [m.group(1) for m in ID_LABEL.finditer(t)] + [w for w in re.findall(r"[\w-]+", t)
                                                              if not w.isdigit()]
        for token in found:
            if token in by_id and (not named or by_id[token][1] in named):
                return MaisonProposal(token, by_id[token][0], f"identifiant lu dans « {cell(t, 80)} »")
    site, _ = _one_site(sites, said, named)
    if site is None:
        return None
    where = next((t for t in titles + sheets if distinctive(site[1]) & set(words(t).split())), "")
    return MaisonProposal(site[0], site[1], f"nom et commune lus dans « {cell(where, 80)} »")


def _sites(con) -> list[tuple[str, str, str, set[str], set[str]]]:
    """(id, name, département, distinctive words of the name, of the name and the commune) of each site the registry
    lists (in force or listed by a past version)."""
    rows = con.execute("SELECT id_maison, nom, commune, code_departement FROM maisons_connues").fetchall()
    return [(str(i), nom, dep, (name := distinctive(nom)), name | distinctive(commune))
            for i, nom, commune, dep in rows]


def _one_site(sites, said: set[str], named: set[str] = frozenset()) -> tuple[tuple[str, str] | None, bool]:
    """The site (id, name) every distinctive word of whose name and commune is ``said``, in a département
    ``named`` if any; None when none fits or when two fit as well (the one with more words fits better). The
    second value says whether any site fits."""
    fits = sorted(((len(need), i, nom) for i, nom, dep, name, need in sites
                   if name and need <= said and (not named or dep in named)), reverse=True)
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0]):
        return None, bool(fits)
    return (fits[0][1], fits[0][2]), True


def propose_maisons(con, values: list[tuple[str, int]]) -> list[ValueMatch]:
    """A Maison column holding the file's own codes or names: for each value that is no identifier of the
    registry, the Maison whose name and commune it writes, when exactly one does (probable: to be confirmed), or
    none (to be chosen)."""
    sites = _sites(con)
    ids = {i for i, *_ in sites}
    spelled: dict[str, set[str]] = {}  # an identifier as written without case, spaces or dashes: "msap-0001"
    for i, *_ in sites:
        spelled.setdefault(normalize_key(i), set()).add(i)
    names = {i: nom for i, nom, *_ in sites}
    out = []
    for value, n in values:
        if value is None or str(value).strip() in ids:
            continue
        same = spelled.get(normalize_key(str(value)), set())
        if len(same) == 1:
            i, = same
            out.append(ValueMatch(value, n, i, PROBABLE, f"identifiant « {cell(i)} » du registre, écrit autrement "
                                                         f"(majuscules, espaces ou tirets) : « {cell(names[i])} »"))
            continue
        site, any_fit = _one_site(sites, set(words(value).split()))
        if site:
            out.append(ValueMatch(value, n, site[0], PROBABLE, f"nom et commune de « {cell(site[1])} »"))
        else:
            out.append(ValueMatch(value, n, None, PROBABLE if any_fit else FALLBACK,
                                  "plusieurs Maisons possibles" if any_fit else "aucune Maison du registre ne correspond"))
    return out


def _other_kind(insp: Inspection, counts: dict) -> None:
    """A file dropped as one kind that holds every required column of another: say what it looks like, first."""
    best = None
    for other in KINDS.values():
        if other.name == insp.kind.name:
            continue
        found = {m.colonne: m.fichier for m in propose_columns(other, insp.frame.headers, counts, insp.frame.fixed)
                 if m.colonne and m.certitude in (SURE, PROBABLE)}
        required = [c.name for c in other.columns if c.required]
        if all(c in found for c in required) and (best is None or len(found) > len(best[1])):
            best = (other, found)
    if best is None or len(best[1]) <= len(insp.mapping):
        return
    other, found = best
    insp.looks_like = other.name
    shown = quoted_list(found.values(), limit=5)
    insp.unresolved.insert(0, Problem(
        f"ce fichier ressemble à un fichier « {other.label} » (colonnes {shown}) plutôt qu'à un fichier "
        f"« {insp.kind.label} » : choisissez ce type de fichier (en ligne de commande : --kind {other.name})",
        ligne=insp.frame.header_row))


def _duplicated(header: str, headers: list[str]) -> str | None:
    """The header this one repeats: the layout names the second « thematique » « thematique (2) »."""
    m = re.fullmatch(r"(.+) \((\d+)\)", header)
    return m.group(1) if m and m.group(1) in headers else None


def _rewrite(column: pa.ChunkedArray, col: Column, mapping: dict[str, str]) -> pa.ChunkedArray:
    """The cells of a coded column with the file's values replaced by the chosen codes."""
    if not mapping:
        return column
    uniques = pc.unique(column.drop_null()).to_pylist()
    out = []
    for value in uniques:
        if col.type == "codes":
            new = [_code_for(p.strip(), mapping) for p in SPLIT_CODES.split(value) if p.strip()]
            out.append(";".join(p for p in new if p))
        else:
            out.append(_code_for(value, mapping))
    if uniques == out:
        return column
    index = pc.index_in(column, value_set=pa.array(uniques, pa.string()))
    rewritten = pc.take(pa.array(out, pa.string()), index)
    return pc.if_else(pc.equal(rewritten, ""), pa.scalar(None, pa.string()), rewritten)


def _code_for(value: str, mapping: dict[str, str]) -> str:
    code = mapping.get(value, mapping.get(value.strip()))
    if code is None:
        return value
    if code == BLANK:
        return ""
    if code == KEEP:
        return value
    return code


def _warn_ignored(insp: Inspection, ignored: list[str]) -> None:
    """The file's columns left out of the import, said with why when the assistant had a reason: a column it
    recognised (by name and values) but that the person or the profile left out, one named like a project column
    whose values are not that column's; the others (nothing in the project matches them) listed."""
    said = []
    for m in (m for m in insp.columns if m.fichier in ignored):
        by = (f" par le profil de source « {cell(insp.profile.nom)} »"
              if insp.profile and insp.profile.choices.colonnes.get(m.fichier, "") is None else "")
        if m.colonne:
            insp.warnings.append(f"La colonne {quoted_list([m.fichier])} n'est pas importée{by}, alors que l'assistant "
                                 f"y reconnaît la colonne « {insp.kind.column(m.colonne).label} » — {m.raison} ; la "
                                 "correspondance des colonnes de la page d'import permet de la choisir.")
        elif m.raison.endswith(IGNORED):
            insp.warnings.append(f"La colonne {quoted_list([m.fichier])} n'est pas importée : "
                                 f"{m.raison.removesuffix(IGNORED)} ; la correspondance des colonnes de la page d'import "
                                 "permet de la choisir quand même.")
        else:
            continue
        said.append(m.fichier)
    rest = [h for h in ignored if h not in said]
    if rest:
        insp.warnings.append(f"Colonnes du fichier ignorées (aucune colonne du projet ne leur correspond) : "
                             f"{quoted_list(rest)}.")


def _raw_table(insp: Inspection) -> RawTable | None:
    k, frame = insp.kind, insp.frame
    t = frame.table
    cols: dict[str, pa.ChunkedArray] = {}
    for c, f in insp.mapping.items():
        col = k.column(c)
        cols[c] = _rewrite(t.column(f), col, insp.value_map.get(c, {}))
    if insp.needs_maison and insp.maison:
        cols["id_maison"] = pa.chunked_array([pa.array([insp.maison] * len(t), pa.string())])
    if _departement_from_commune(k, cols):
        cols["code_departement"] = pa.chunked_array([pa.array(
            [departement_of_commune(c) for c in cols["code_commune"].to_pylist()], pa.string())])
        insp.warnings.append("Le fichier n'a pas de colonne de département : il est déduit du code INSEE de la "
                             "commune (ses deux premiers caractères, trois outre-mer).")
    if k.name == "maisons" and "id_maison" not in cols and {"code_departement", "nom"} <= cols.keys():
        cols["id_maison"] = _derived_ids(cols)
        insp.warnings.append(f"Le fichier n'a pas de colonne d'identifiant : {nombre(len(t))} identifiant(s) "
                             "calculé(s) à partir du département, du code commune et du nom (les mêmes à chaque "
                             "import de la même liste).")
    if not cols:
        return None
    _warn_ignored(insp, [h for h in frame.headers if h not in insp.mapping.values() and not h.startswith("Colonne ")])
    table = pa.table({**cols, **{c: t.column(c) for c in (LINE_COLUMN, SHEET_COLUMN, CELL_COLUMN)
                                 if c in t.column_names}})
    _warn_own_categories(insp)
    if k.name == "activite" and "nb" in table.column_names:
        table = _without_empty_counts(table, insp.warnings)
    headers = {c: (f if f not in frame.fixed else f"{f} ({'en-têtes des colonnes' if c == 'mois' else 'cellules'})")
               for c, f in insp.mapping.items()}
    if "id_maison" in cols and "id_maison" not in insp.mapping:
        headers["id_maison"] = "Maison choisie" if insp.needs_maison else "identifiant calculé"
    if "code_departement" in cols and "code_departement" not in insp.mapping:
        headers["code_departement"] = f"département déduit de « {insp.mapping['code_commune']} »"
    sheet = frame.sheets[0] if len(frame.sheets) == 1 else None
    kept = {c: tuple(v for v, code in m.items() if code == KEEP) for c, m in insp.value_map.items()}
    cell = next((c for c, f in insp.mapping.items() if f == layout.COUNT_COLUMN), None)
    return RawTable(table, headers, frame.format, frame.header_row, sheet, [*frame.notes],
                    {c: v for c, v in kept.items() if v}, cell if CELL_COLUMN in table.column_names else None,
                    insp.drop_misplaced, insp.vague_donnee)


def _without_empty_counts(table: pa.Table, warnings: list[str]) -> pa.Table:
    """Counts of 0 (or a dash) and blank count cells load nothing, in every layout, each kind said once; a count
    written otherwise (text, negative, a fraction) is left for the validator to refuse."""
    nb = table.column("nb")
    values = pc.unique(nb).drop_null()  # each distinct writing read once: a column of counts has few
    blank = pc.or_kleene(pc.is_null(nb), pc.is_in(nb, values.filter(pc.match_substring_regex(values, r"^\s*$"))))
    zero = pc.is_in(nb, values.filter(pc.match_substring_regex(values, r"^\s*(0+([.,]0*)?|-+)\s*$")))
    n_blank, n_zero = pc.sum(blank).as_py() or 0, pc.sum(zero).as_py() or 0
    if n_zero:
        warnings.append(f"{nombre(n_zero)} ligne(s) à 0 demande (0 ou un tiret){_where(table, zero)} : rien à charger "
                        "pour elles.")
    if n_blank:
        warnings.append(f"{nombre(n_blank)} case(s) vide(s) de nombre de demandes lue(s) comme 0{_where(table, blank)} "
                        ": rien à charger pour elles.")
    return table.filter(pc.invert(pc.or_(blank, zero))) if n_blank or n_zero else table


def _where(table: pa.Table, mask: pa.ChunkedArray, shown: int = 5) -> str:
    """« (ligne 4 ; ligne 9 ; …) »: where the first rows ``mask`` selects are in the file, as a problem says it."""
    if LINE_COLUMN not in table.column_names:
        return ""
    rows = table.select([c for c in (SHEET_COLUMN, LINE_COLUMN, CELL_COLUMN) if c in table.column_names]).filter(
        mask).slice(0, shown + 1).to_pylist()
    places = [Problem("", r[LINE_COLUMN], r.get(CELL_COLUMN), feuille=r.get(SHEET_COLUMN)).place()
              for r in rows[:shown]]
    return f" ({' ; '.join(places)}{' ; …' if len(rows) > shown else ''})"


def _departement_from_commune(k: Kind, cols: dict) -> bool:
    return (any(c.name == "code_departement" and c.required for c in k.columns)
            and "code_departement" not in cols and "code_commune" in cols)


def departement_of_commune(code: str | None) -> str | None:
    """01033 -> 01, 2A004 -> 2A, 97411 -> 974; a code whose leading zero a spreadsheet dropped (1033) too."""
    if code is None:
        return None
    code = str(code).strip().upper()
    if code.isdigit() and len(code) == 4:
        code = "0" + code
    return code[:3] if code.startswith("97") else code[:2]


def _derived_ids(cols: dict[str, pa.ChunkedArray]) -> pa.ChunkedArray:
    """Stable ids for a list without one: département, commune code and a short hash of the normalized name."""
    deps = cols["code_departement"].to_pylist()
    communes = cols["code_commune"].to_pylist() if "code_commune" in cols else [None] * len(deps)
    names = cols["nom"].to_pylist()
    seen: dict[str, int] = {}
    out = []
    for d, c, n in zip(deps, communes, names):
        if d is None or n is None:
            out.append(None)
            continue
        dep = str(d).strip().upper().zfill(2) if str(d).strip().isdigit() else str(d).strip().upper()
        base = f"{dep}-{(str(c).strip() if c else 'x')}-" + hashlib.sha1(normalize_key(n).encode()).hexdigest()[:6]
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return pa.chunked_array([pa.array(out, pa.string())])


def _warn_own_categories(insp: Inspection) -> None:
    """Breakdown columns kept with the survey's own categories: say so (they are ordered by their first number)."""
    for c, mapping in insp.value_map.items():
        kept = sorted((v for v, code in mapping.items() if code == KEEP), key=first_number)
        if kept:
            insp.warnings.append(f"Colonne « {insp.mapping[c]} » : catégories propres à l'enquête gardées telles "
                                 f"quelles ({', '.join(kept[:6])}{'…' if len(kept) > 6 else ''}) ; elles ne se "
                                 "comparent pas aux catégories de référence.")


def _unresolved(insp: Inspection) -> None:
    k = insp.kind
    present = set(insp.mapping) | ({c for c in ("id_maison", "code_departement") if insp.raw is not None
                                    and c in insp.raw.headers})
    by_col = {m.colonne: m for m in insp.columns if m.colonne}
    derivable = k.name == "maisons"  # a registry without ids gets ids computed from its other columns
    for col in k.columns:
        if not col.required or col.name in present:
            continue
        if derivable and col.name == "id_maison":
            if {"nom", "code_departement"} <= present:
                continue
            insp.unresolved.append(Problem(
                "colonne d'identifiant absente : choisissez-la ou, à défaut, indiquez les colonnes du nom et du "
                "département pour que des identifiants soient calculés", ligne=insp.frame.header_row))
            continue
        if col.maison_ref and insp.needs_maison:
            hint = (f" (proposée : {insp.maison_proposal.id_maison} « {insp.maison_proposal.nom} »)"
                    if insp.maison_proposal else "")
            insp.unresolved.append(Problem(
                f"colonne obligatoire « {col.name} » ({col.label}) absente : choisissez la colonne du fichier qui "
                f"la contient ou, pour un fichier d'une seule Maison, choisissez la Maison{hint}"))
            continue
        m = by_col.get(col.name)
        hint = f" (suggestion : « {m.fichier} », {m.certitude})" if m else ""
        insp.unresolved.append(Problem(f"colonne obligatoire « {col.name} » ({col.label}) absente : choisissez la "
                                       f"colonne du fichier qui la contient{hint}", ligne=insp.frame.header_row))
    for m in insp.columns:  # a proposal not applied: the person must say yes or no
        if m.colonne and m.fichier not in insp.mapping.values() and m.colonne not in insp.mapping \
                and m.fichier not in insp.decided_columns:
            insp.unresolved.append(Problem(
                f"correspondance {m.certitude} à confirmer : « {m.fichier} » → « {m.colonne} » "
                f"({k.column(m.colonne).label} ; {m.raison}) ; acceptez-la ou ignorez la colonne",
                colonne=m.fichier))
    for group in k.one_of:
        if not present.intersection(group):
            insp.unresolved.append(Problem(f"il faut au moins une des colonnes {', '.join(f'« {g} »' for g in group)}",
                                           ligne=insp.frame.header_row))
    used = {f: c for c, f in insp.mapping.items()}
    for copy in insp.frame.headers:  # a header written twice: which column holds the data is for the person to say
        original = _duplicated(copy, insp.frame.headers)
        if original in used and copy not in insp.decided_columns:
            insp.unresolved.append(Problem(
                f"deux colonnes portent l'en-tête « {original} » : la première est lue comme « {used[original]} » ; "
                f"vérifiez que c'est la bonne et ignorez l'autre (« {copy} »), ou renommez-la dans le fichier",
                ligne=insp.frame.header_row, colonne=copy))
    if not insp.frame.recognised and not insp.mapping:
        expected = ", ".join(c.name for c in k.columns if c.required)
        insp.unresolved.insert(0, Problem(
            f"aucune ligne d'en-tête reconnue dans les premières lignes pour un fichier « {k.label} » "
            f"(colonnes attendues : {expected}) : indiquez quelle colonne contient quoi"))
