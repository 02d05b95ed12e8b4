"""Profils de source: a confirmed mapping, saved in the store and proposed again for a file with the same headers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..access import roles
from ..access.users import User, local_user
from ..schema import normalize_key
from ..store import StoreError, transaction


@dataclass
class Choices:
    """What a person decided about a file: the part of the assistant's work a profile keeps."""

    colonnes: dict[str, str | None] = field(default_factory=dict)  # file column -> project column (None: ignored)
    valeurs: dict[str, dict[str, str | None]] = field(default_factory=dict)  # project column -> {file value: code}
    maison: str | None = None
    drop_misplaced: bool = False  # a registry's coordinates out of their département: dropped (for this file)
    date_version: str | None = None  # AAAA-MM-JJ: the date of a registry's version, when given (for this file)
    vague: str | None = None  # a survey's wave, when given (for this file)

    def to_json(self) -> str:
        return json.dumps({"colonnes": self.colonnes, "valeurs": self.valeurs, "maison": self.maison,
                           "retirer_coordonnees_douteuses": self.drop_misplaced, "date_version": self.date_version,
                           "vague": self.vague},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Choices:
        d = json.loads(text)
        return cls(dict(d.get("colonnes") or {}), {k: dict(v) for k, v in (d.get("valeurs") or {}).items()},
                   d.get("maison"), bool(d.get("retirer_coordonnees_douteuses")), d.get("date_version"),
                   d.get("vague"))

    def merged(self, other: Choices | None) -> Choices:
        """These choices, overridden by ``other``'s."""
        if other is None:
            return self
        valeurs = {k: dict(v) for k, v in self.valeurs.items()}
        for col, mapping in other.valeurs.items():
            valeurs.setdefault(col, {}).update(mapping)
        return Choices({**self.colonnes, **other.colonnes}, valeurs, other.maison or self.maison,
                       other.drop_misplaced or self.drop_misplaced, other.date_version or self.date_version,
                       other.vague or self.vague)


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
    regions: tuple[str, ...] | None = None  # the régions of whoever saved it; None: national (an administrator's)

    def describe(self) -> str:
        """What it maps, who saved it, when: said before it is applied."""
        mapped = sum(1 for c in self.choices.colonnes.values() if c)
        values = sum(len(v) for v in self.choices.valeurs.values())
        where = "national" if self.regions is None else f"région(s) {', '.join(self.regions)}"
        return (f"{mapped} colonne(s) et {values} valeur(s) mises en correspondance ; enregistré par {self.auteur} "
                f"le {self.cree_le:%d/%m/%Y} ({where}), utilisé {self.utilisations} fois")


_COLUMNS = "nom, kind, signature, choix, auteur, cree_le, utilise_le, utilisations, regions"


def _profile(row) -> Profile:
    nom, kind, sig, choix, auteur, cree, utilise, n, regions = row
    return Profile(nom, kind, sig, Choices.from_json(choix), auteur, cree, utilise, n,
                   None if regions is None else tuple(regions))


def _visible(user: User | None) -> tuple[str, list]:
    """Profiles a user is offered: national ones and those of their régions (an administrator: all)."""
    user = user or local_user()
    if user.role == "admin":
        return "true", []
    return "(regions IS NULL OR len(list_intersect(regions, ?)) > 0)", [list(user.regions)]


def may_change(profile: Profile, user: User) -> bool:
    """An administrator, or a coordinator every région of the profile is theirs."""
    return user.role == "admin" or (user.role == "coordinateur" and profile.regions is not None
                                    and set(profile.regions) <= set(user.regions))


def list_profiles(con, kind: str | None = None, user: User | None = None) -> list[Profile]:
    cond, params = _visible(user)
    sql = f"SELECT {_COLUMNS} FROM profils WHERE {cond}" + (" AND kind = ?" if kind else "") + " ORDER BY nom"
    return [_profile(r) for r in con.execute(sql, params + ([kind] if kind else [])).fetchall()]


def get_profile(con, nom: str, user: User | None = None) -> Profile | None:
    cond, params = _visible(user)
    rows = con.execute(f"SELECT {_COLUMNS} FROM profils WHERE nom = ? AND {cond}", [nom, *params]).fetchall()
    return _profile(rows[0]) if rows else None


def matching_profile(con, kind: str, sig: str, user: User | None = None) -> Profile | None:
    """The profile saved for files with these headers that this user is offered (the last used, if several)."""
    cond, params = _visible(user)
    rows = con.execute(f"SELECT {_COLUMNS} FROM profils WHERE kind = ? AND signature = ? AND {cond} "
                       "ORDER BY utilise_le DESC NULLS LAST, cree_le DESC LIMIT 1", [kind, sig, *params]).fetchall()
    return _profile(rows[0]) if rows else None


def save_profile(con, nom: str, kind: str, sig: str, choices: Choices, actor: User) -> None:
    """Create or update a profile (called inside the import's transaction): it belongs to the actor's régions."""
    nom = nom.strip()
    if not nom:
        raise StoreError("Donnez un nom au profil de source.")
    existing = get_profile(con, nom, ADMIN_VIEW)
    if existing and existing.kind != kind:
        raise StoreError(f"Le profil « {nom} » existe déjà pour un autre type de fichier ; choisissez un autre nom.")
    if existing and not may_change(existing, actor):
        raise StoreError(f"Le profil « {nom} » appartient à une autre région (ou au niveau national) : "
                         "choisissez un autre nom pour le vôtre.")
    regions = list(actor.regions) if actor.role == "coordinateur" else None
    con.execute(
        "INSERT INTO profils (nom, kind, signature, choix, auteur, cree_le, utilise_le, utilisations, regions) "
        "VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP, 1, ?) ON CONFLICT (nom) DO UPDATE SET "
        "signature = excluded.signature, choix = excluded.choix, utilise_le = excluded.utilise_le, "
        "utilisations = profils.utilisations + 1",
        [nom, kind, sig, choices.to_json(), actor.email, regions])
    roles.journal(con, actor, "profil modifié" if existing else "profil enregistré",
                  f"{nom} ({kind}) : {choices.to_json()[:300]}")


def applied(con, nom: str, actor: User) -> None:
    """A profile used by an import (inside its transaction)."""
    con.execute("UPDATE profils SET utilise_le = now()::TIMESTAMP, utilisations = utilisations + 1 WHERE nom = ?",
                [nom])
    roles.journal(con, actor, "profil appliqué", nom)


def _changeable(con, nom: str, user: User | None) -> tuple[Profile, User]:
    user = user or local_user()
    roles.check_profiles(user)
    found = get_profile(con, nom, user)
    if found is None:
        raise StoreError(f"Aucun profil « {nom} ».")
    if not may_change(found, user):
        raise StoreError(f"Le profil « {nom} » est "
                         + ("national" if found.regions is None else f"celui de la région {', '.join(found.regions)}")
                         + " : seul un administrateur" + ("" if found.regions is None else " ou un coordinateur de "
                                                          "cette région") + " peut le modifier.")
    return found, user


def rename_profile(con, old: str, new: str, user: User | None = None) -> None:
    _, user = _changeable(con, old, user)
    new = new.strip()
    if not new or get_profile(con, new, ADMIN_VIEW):
        raise StoreError(f"Le nom « {new} » est vide ou déjà pris.")
    with transaction(con):
        con.execute("UPDATE profils SET nom = ? WHERE nom = ?", [new, old])
        roles.journal(con, user, "profil renommé", f"{old} → {new}")


def delete_profile(con, nom: str, user: User | None = None) -> None:
    _, user = _changeable(con, nom, user)
    with transaction(con):
        con.execute("DELETE FROM profils WHERE nom = ?", [nom])
        roles.journal(con, user, "profil supprimé", nom)


ADMIN_VIEW = User("", "admin")  # what exists, whoever may see it
