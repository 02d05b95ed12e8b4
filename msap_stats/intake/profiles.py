"""Profils de source: a confirmed mapping, saved in the store and proposed again for a file with the same headers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..access import roles
from ..access.users import User, local_user
from ..schema import normalize_key
from ..store import StoreError


@dataclass
class Choices:
    """What a person decided about a file: the part of the assistant's work a profile keeps."""

    colonnes: dict[str, str | None] = field(default_factory=dict)  # file column -> project column (None: ignored)
    valeurs: dict[str, dict[str, str | None]] = field(default_factory=dict)  # project column -> {file value: code}
    maison: str | None = None
    drop_misplaced: bool = False  # a registry's coordinates out of their département: dropped (for this file)
    date_version: str | None = None  # AAAA-MM-JJ: the date of a registry's version, when given (for this file)

    def to_json(self) -> str:
        return json.dumps({"colonnes": self.colonnes, "valeurs": self.valeurs, "maison": self.maison,
                           "retirer_coordonnees_douteuses": self.drop_misplaced, "date_version": self.date_version},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Choices:
        d = json.loads(text)
        return cls(dict(d.get("colonnes") or {}), {k: dict(v) for k, v in (d.get("valeurs") or {}).items()},
                   d.get("maison"), bool(d.get("retirer_coordonnees_douteuses")), d.get("date_version"))

    def merged(self, other: Choices | None) -> Choices:
        """These choices, overridden by ``other``'s."""
        if other is None:
            return self
        valeurs = {k: dict(v) for k, v in self.valeurs.items()}
        for col, mapping in other.valeurs.items():
            valeurs.setdefault(col, {}).update(mapping)
        return Choices({**self.colonnes, **other.colonnes}, valeurs, other.maison or self.maison,
                       other.drop_misplaced or self.drop_misplaced, other.date_version or self.date_version)


def header_signature(kind: str, headers: list[str]) -> str:
    """Same kind and same set of headers (spelling aside) give the same signature."""
    return kind + ":" + "|".join(sorted({normalize_key(h) for h in headers} - {""}))


@dataclass
class Profile:
    nom: str
    kind: str
    signature: str
    choices: Choices
    auteur: str
    cree_le: object
    utilise_le: object
    utilisations: int


_COLUMNS = "nom, kind, signature, choix, auteur, cree_le, utilise_le, utilisations"


def _profile(row) -> Profile:
    nom, kind, sig, choix, auteur, cree, utilise, n = row
    return Profile(nom, kind, sig, Choices.from_json(choix), auteur, cree, utilise, n)


def list_profiles(con, kind: str | None = None) -> list[Profile]:
    sql = f"SELECT {_COLUMNS} FROM profils" + (" WHERE kind = ?" if kind else "") + " ORDER BY nom"
    return [_profile(r) for r in con.execute(sql, [kind] if kind else []).fetchall()]


def get_profile(con, nom: str) -> Profile | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM profils WHERE nom = ?", [nom]).fetchall()
    return _profile(rows[0]) if rows else None


def matching_profile(con, kind: str, sig: str) -> Profile | None:
    """The profile saved for files with these headers (the last used, if several)."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM profils WHERE kind = ? AND signature = ? "
                       "ORDER BY utilise_le DESC NULLS LAST, cree_le DESC LIMIT 1", [kind, sig]).fetchall()
    return _profile(rows[0]) if rows else None


def save_profile(con, nom: str, kind: str, sig: str, choices: Choices, auteur: str) -> None:
    """Create or update a profile (called inside the import's transaction)."""
    nom = nom.strip()
    if not nom:
        raise StoreError("Donnez un nom au profil de source.")
    existing = get_profile(con, nom)
    if existing and existing.kind != kind:
        raise StoreError(f"Le profil « {nom} » existe déjà pour un autre type de fichier ; choisissez un autre nom.")
    con.execute(
        "INSERT INTO profils (nom, kind, signature, choix, auteur, cree_le, utilise_le, utilisations) "
        "VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP, 1) ON CONFLICT (nom) DO UPDATE SET "
        "signature = excluded.signature, choix = excluded.choix, utilise_le = excluded.utilise_le, "
        "utilisations = profils.utilisations + 1",
        [nom, kind, sig, choices.to_json(), auteur])


def rename_profile(con, old: str, new: str, user: User | None = None) -> None:
    roles.check_profiles(user or local_user())
    new = new.strip()
    if not get_profile(con, old):
        raise StoreError(f"Aucun profil « {old} ».")
    if not new or get_profile(con, new):
        raise StoreError(f"Le nom « {new} » est vide ou déjà pris.")
    con.execute("UPDATE profils SET nom = ? WHERE nom = ?", [new, old])


def delete_profile(con, nom: str, user: User | None = None) -> None:
    roles.check_profiles(user or local_user())
    if not get_profile(con, nom):
        raise StoreError(f"Aucun profil « {nom} ».")
    con.execute("DELETE FROM profils WHERE nom = ?", [nom])
