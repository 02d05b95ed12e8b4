"""A composed En bref note: its charts in order, its texts, its boxes and colophon; kept by name in the store with
its filters and the data version it was built on, so that ``export --note NOM`` rebuilds it.

Every text left empty (``None``) is proposed from the data when the note is built: the title from the network's
name, the introduction from the key figures, a chart's text from its finding (the chart's title, itself a
tested statement). An author's text is kept as written. A note duplicated for another perimeter keeps the
author's texts and proposes the others again for the new perimeter.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields, replace

from ..fmt import nombre, printable
from ..indicators import Filters
from ..reference import departements
from ..store import StoreError, data_version
from . import catalogue

COLOPHON = {"numero": "Numéro", "date": "Date de parution", "auteur": "Auteur(s)",
            "directeur": "Directeur ou directrice de la publication", "issn": "ISSN", "contact": "Contact"}
MAX_NAME = 80
MAX_TEXT = 4000  # characters of one text: a section, a box, the introduction


@dataclass
class Section:
    """A chart of the catalogue (``piece``) with its title and text, or a box (``piece`` None)."""

    piece: str | None
    titre: str | None = None  # None: the chart's name (a box needs one)
    texte: str | None = None  # None: the chart's finding (a box needs one)


@dataclass
class Note:
    nom: str
    filtres: dict = field(default_factory=dict)  # Filters.describe()
    titre: str | None = None
    sous_titre: str | None = None
    introduction: str | None = None
    sections: list[Section] = field(default_factory=list)
    colophon: dict[str, str] = field(default_factory=dict)
    version: str = ""  # the data version it was saved on
    proposee: bool = False  # the note proposed when nobody composed one: its charts chosen by the data

    @property
    def filters(self) -> Filters:
        return filters_of(self.filtres)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Note:
        d = json.loads(text)
        d["sections"] = [Section(**s) for s in d.get("sections", [])]
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


LISTS = ("regions", "departements", "formats", "porteurs")


def filters_of(given: dict) -> Filters:
    """A note's perimeter as Filters; refused, in French, when it names what the dashboard does not know."""
    known = {f.name for f in fields(Filters)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise StoreError(f"Périmètre de la note : filtre inconnu « {printable(unknown[0])} » ({', '.join(known)}).")
    out = {}
    for k, v in given.items():
        if k in LISTS:
            if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
                raise StoreError(f"Périmètre de la note : « {k} » est une liste de codes.")
            out[k] = tuple(v)
        elif v is not None and not isinstance(v, str):
            raise StoreError(f"Périmètre de la note : « {k} » est un texte.")
        else:
            out[k] = v
    deps = departements()
    wrong = [c for c in out.get("regions", ()) if c not in set(deps["code_region"])] + \
        [c for c in out.get("departements", ()) if c not in set(deps["code_departement"])]
    if wrong:
        raise StoreError(f"Périmètre de la note : aucun territoire de code « {printable(wrong[0])} ».")
    return Filters(**out)


def written(note: Note) -> list[str]:
    """The texts an author wrote (kept as written when the note is duplicated): to reread for a new perimeter."""
    said = [label for label, text in (("le titre", note.titre), ("le sous-titre", note.sous_titre),
                                      ("l'introduction", note.introduction)) if text]
    return said + [f"la section {i} ({s.titre or catalogue.BY_KEY[s.piece].nom})"
                   for i, s in enumerate(note.sections, start=1) if s.texte or (s.titre and s.piece)]


def proposed(f: Filters) -> Note:
    """The note nobody composed: the catalogue's proposed charts and the evolutions the store holds."""
    return Note("", f.describe(), sections=[Section(k) for k in (*catalogue.PROPOSED, *catalogue.EVOLUTION)],
                proposee=True)


def check(note: Note) -> Note:
    """Refuse, in French, what a note cannot hold; texts trimmed, empty ones proposed again."""
    name = (note.nom or "").strip()
    if not name:
        raise StoreError("Donnez un nom à la note pour l'enregistrer.")
    if len(name) > MAX_NAME:
        raise StoreError(f"Le nom d'une note tient en {MAX_NAME} caractères.")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) == 0x7F for c in name):
        raise StoreError("Le nom d'une note s'écrit sur une ligne, sans caractère de contrôle.")
    filters_of(note.filtres)  # a perimeter the dashboard knows, or refused here rather than at the export

    def clean(text: str | None, what: str) -> str | None:
        text = (text or "").strip()
        if len(text) > MAX_TEXT:
            raise StoreError(f"{what} dépasse {nombre(MAX_TEXT)} caractères : raccourcissez ce texte.")
        if any(0xD800 <= ord(c) <= 0xDFFF or ord(c) == 0 for c in text):
            raise StoreError(f"{what} contient un caractère illisible.")
        return text or None

    sections = []
    for i, s in enumerate(note.sections, start=1):
        if s.piece is not None and s.piece not in catalogue.BY_KEY:
            raise StoreError(f"Section {i} : aucun graphique « {printable(s.piece)} » (voir la liste des graphiques).")
        titre, texte = clean(s.titre, f"Le titre de la section {i}"), clean(s.texte, f"Le texte de la section {i}")
        if s.piece is None and not (titre and texte):
            raise StoreError(f"Section {i} : un encadré a un titre et un texte.")
        sections.append(Section(s.piece, titre, texte))
    unknown = set(note.colophon) - set(COLOPHON)
    if unknown:
        raise StoreError(f"Colophon : champ inconnu « {printable(sorted(unknown)[0])} » ({', '.join(COLOPHON)}).")
    colophon = {k: v for k in COLOPHON if (v := clean(note.colophon.get(k), COLOPHON[k]))}
    if "numero" in colophon:  # « n°35 », « N° 35 » or « 35 »: the number alone, the note writes « n° »
        colophon["numero"] = re.sub(r"^\s*(n|no|num[ée]ro)\s*[°o.]?\s*", "", colophon["numero"], flags=re.I) or \
            colophon["numero"]
    if not sections:
        raise StoreError("Une note a au moins une section : un graphique ou un encadré.")
    return replace(note, nom=name, titre=clean(note.titre, "Le titre"),
                   sous_titre=clean(note.sous_titre, "Le sous-titre"),
                   introduction=clean(note.introduction, "L'introduction"), sections=sections, colophon=colophon,
                   proposee=False)


def save(con, note: Note, auteur: str) -> Note:
    """Keep the note by its name (replacing one of that name), with the data version it is built on now."""
    note = replace(check(note), version=data_version(con))
    con.execute("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, now()::TIMESTAMP)", [note.nom, note.to_json(), auteur])
    return note


def load(con, nom: str) -> Note:
    rows = con.execute("SELECT contenu FROM notes WHERE nom = ?", [nom]).fetchall()
    if not rows:
        known = names(con)
        raise StoreError(f"Aucune note « {printable(nom)} »" + (f" (notes : {', '.join(map(printable, known))})."
                                                                 if known else " : aucune note n'est enregistrée."))
    return Note.from_json(rows[0][0])


def names(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT nom FROM notes ORDER BY nom").fetchall()]


def listing(con) -> list[dict]:
    """The saved notes: name, author, date, perimeter's filters, the data version they were built on."""
    rows = con.execute("SELECT nom, contenu, auteur, date_enregistrement FROM notes ORDER BY nom").fetchall()
    return [{"nom": n, "auteur": a, "date": d, "filtres": kept.filtres, "version": kept.version}
            for n, c, a, d in rows for kept in [Note.from_json(c)]]


def duplicate(con, nom: str, nouveau: str, f: Filters, auteur: str) -> Note:
    """The note again under another name for the perimeter ``f``: the author's texts kept, the others proposed."""
    if nouveau.strip() in names(con):
        raise StoreError(f"Une note « {printable(nouveau.strip())} » existe déjà : choisissez un autre nom.")
    return save(con, replace(load(con, nom), nom=nouveau, filtres=f.describe()), auteur)


def delete(con, nom: str) -> None:
    load(con, nom)
    con.execute("DELETE FROM notes WHERE nom = ?", [nom])


def changed_since(con, note: Note) -> bool:
    """The data changed (an import or a rollback) since the note was saved: its figures may differ."""
    return bool(note.version) and note.version != data_version(con)
