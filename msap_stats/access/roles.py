"""Who may do what, kept in the store: ``lecteur`` reads and exports; ``coordinateur`` also imports and rolls back,
for the Maisons of their own région(s) only; ``admin`` does everything, the registry and the roles included.

The rules are checked here, by the functions that write (imports, rollbacks, roles), not only by the pages that
hide a button. Every role change is kept in ``roles_journal``; ``msap_stats.audit`` gathers it with the imports,
the rollbacks and the refused attempts. Who is acting is ``access.users``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ImportRefused, Problem, refuse
from ..fmt import cell
from ..store import StoreError, transaction
from .users import Login, User, address

if TYPE_CHECKING:  # pandas is not loaded by an import or a rollback
    import pandas as pd

ROLES = {
    "lecteur": "lit toutes les pages et exporte",
    "coordinateur": "lit, importe et annule pour les Maisons de ses régions",
    "admin": "fait tout, y compris le registre des Maisons et les rôles",
}
REGISTRY_KIND = "maisons"
SHOWN_ROWS = 20  # rows of another région named in a refusal (the count says how many there are)


def list_roles(con) -> pd.DataFrame:
    return con.execute("SELECT email, role, regions, accorde_par, accorde_le FROM roles ORDER BY role, email").df()


def admins(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT email FROM roles WHERE role = 'admin' ORDER BY email").fetchall()]


def _require_admin(actor: User, what: str) -> None:
    if actor.role != "admin":
        raise StoreError(f"{what} : réservé aux administrateurs ({actor.email} a le rôle "
                         f"« {actor.role or 'aucun'} »).")


def grant(con, actor: User, email: str, role: str, regions: tuple[str, ...] = ()) -> str:
    """Give ``email`` a role (replacing the one they had); a coordinator needs at least one région."""
    _require_admin(actor, "Attribuer un rôle")
    folded = address(str(email).strip())
    if folded is None:
        raise StoreError(f"« {cell(email)} » n'est pas une adresse électronique utilisable : une seule @, ni espace, "
                         "ni caractère invisible (de direction, sans largeur, de contrôle), ni écriture trompeuse.")
    email = folded
    if role not in ROLES:
        raise StoreError(f"Rôle inconnu « {cell(role)} » : {', '.join(ROLES)}.")
    known = {r[0] for r in con.execute("SELECT DISTINCT code_region FROM ref_departements").fetchall()}
    regions = tuple(dict.fromkeys(str(r).strip() for r in regions))
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise StoreError(f"Région(s) inconnue(s) : {', '.join(unknown)} (codes INSEE, ex. 76 pour l'Occitanie).")
    if role == "coordinateur" and not regions:
        raise StoreError("Un coordinateur agit pour une ou plusieurs régions : précisez-les (--region 76).")
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO roles VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                    [email, role, list(regions) if role == "coordinateur" else [], actor.email])
        journal(con, actor, "rôle accordé", f"{email} : {role}" + (f" ({', '.join(regions)})" if regions else ""))
    return f"{email} a désormais le rôle « {role} »" + (f" pour la ou les régions {', '.join(regions)}." if
                                                         role == "coordinateur" else ".")


def revoke(con, actor: User, email: str) -> str:
    _require_admin(actor, "Retirer un rôle")
    email = address(str(email).strip()) or str(email).strip()
    if email == actor.email and admins(con) == [email]:
        raise StoreError("Vous êtes le seul administrateur : nommez-en un autre avant de retirer votre rôle.")
    with transaction(con):
        gone = con.execute("DELETE FROM roles WHERE email = ?", [email]).fetchall()[0][0]
        if gone:
            journal(con, actor, "rôle retiré", email)
    if not gone:
        raise StoreError(f"{email} n'a aucun rôle.")
    return f"{email} n'a plus de rôle."


def record_login(con, login: Login) -> bool:
    """A first login linked to its address (True), or a login refused, in the journal; the link written once,
    checked again inside the write (two first logins at once cannot both take an address)."""
    who = User(login.email or f"{login.issuer} {login.sub}", None)
    with transaction(con):
        if login.bind:
            taken = con.execute("SELECT count(*) FROM identites WHERE email = ? OR (issuer = ? AND sub = ?)",
                                [login.email, login.issuer, login.sub]).fetchall()[0][0]
            if taken:
                journal(con, who, "connexion refusée", f"{login.issuer} {login.sub} : l'adresse {login.email} est "
                                                       "déjà liée à un autre compte")
                return False
            con.execute("INSERT INTO identites VALUES (?, ?, ?, now()::TIMESTAMP)",
                        [login.issuer, login.sub, login.email])
            journal(con, who, "compte lié", f"{login.issuer} {login.sub} → {login.email}")
            return True
        if login.refus:
            journal(con, who, "connexion refusée", f"{login.issuer} {login.sub} : {login.refus}")
    return False


def journal(con, actor: User, action: str, detail: str) -> None:
    """An action on roles, identities or source profiles, in the audit log (inside the caller's write)."""
    con.execute("INSERT INTO roles_journal VALUES (now()::TIMESTAMP, ?, ?, ?)", [actor.email, action, detail])


# --- The rules of imports and rollbacks -------------------------------------------------

def check_profiles(actor: User) -> None:
    """Source profiles serve imports: those who import keep them."""
    if actor.role not in ("coordinateur", "admin"):
        raise StoreError(f"{actor.email} n'a pas le droit de modifier les profils de source "
                         f"(rôle « {actor.role or 'aucun'} »).")


def may_import_kind(actor: User, kind: str) -> bool:
    return actor.role == "admin" or (actor.role == "coordinateur" and kind != REGISTRY_KIND)


def check_import(con, actor: User, kind: str, staged: str | None = None) -> None:
    """Refuse, whole, a file this user may not import; ``staged`` (a table of typed rows with ``ligne``) lets a
    coordinator's file be checked row by row: one row of a Maison outside their régions refuses it."""
    if actor.role not in ("coordinateur", "admin"):
        raise refuse(f"{actor.email} n'a pas le droit d'importer (rôle « {actor.role or 'aucun'} »).")
    if actor.role == "admin":
        return
    if kind == REGISTRY_KIND:
        raise refuse("le registre des Maisons est tenu par les administrateurs : un coordinateur importe "
                     "l'activité et les enquêtes de ses Maisons.")
    if staged is None:
        return
    column, region = _place(kind)
    rows = con.execute(f"SELECT ligne, {column}, r FROM (SELECT s.*, {region} AS r FROM {staged} s) s "
                       f"WHERE r IS NULL OR NOT list_contains(?, r) ORDER BY ligne",
                       [list(actor.regions)]).fetchall()
    if rows:
        raise ImportRefused([Problem(f"hors de vos régions ({', '.join(actor.regions)}) : région {r or 'inconnue'}",
                                     ligne=line, colonne=column, valeur=str(value)) for line, value, r in rows],
                            total=len(rows))


def _place(kind: str) -> tuple[str, str]:
    """The column that places a row of ``kind`` (its Maison; an inhabitant's département), and the SQL giving
    its région from a row aliased ``s``."""
    if kind == "habitants":
        return "code_departement", ("(SELECT code_region FROM ref_departements d "
                                    "WHERE d.code_departement = s.code_departement)")
    return "id_maison", "(SELECT code_region FROM sites m WHERE m.id_maison = s.id_maison)"


def check_rollback(con, actor: User, import_id: int) -> None:
    if actor.role == "admin":
        return
    if actor.role != "coordinateur":
        raise StoreError(f"{actor.email} n'a pas le droit d'annuler un import (rôle « {actor.role or 'aucun'} »).")
    kind = con.execute("SELECT kind FROM imports WHERE import_id = ?", [import_id]).fetchall()
    if not kind:
        return  # the rollback itself says there is no such import
    if kind[0][0] == REGISTRY_KIND:
        raise StoreError("Le registre des Maisons est tenu par les administrateurs.")
    _, region = _place(kind[0][0])
    outside = con.execute(f"SELECT count(*) FROM (SELECT {region} AS r FROM {kind[0][0]} s WHERE s.import_id = ?) "
                          f"WHERE r IS NULL OR NOT list_contains(?, r)", [import_id, list(actor.regions)]
                          ).fetchall()[0][0]
    if outside:
        raise StoreError(f"L'import n°{import_id} porte aussi sur des Maisons hors de vos régions ({outside} "
                         "ligne(s)) : seul un administrateur peut l'annuler.")


def check_calibration(con, actor: User, kind: str, vague: str) -> None:
    """A wave's weights are calibrated by an administrator, or by a coordinator when every answer of the wave is
    in their régions (a calibration moves every figure of the wave)."""
    if actor.role == "admin":
        return
    if actor.role != "coordinateur":
        raise StoreError(f"{actor.email} n'a pas le droit de redresser une enquête (rôle « {actor.role or 'aucun'} »).")
    _, region = _place(kind)
    outside = con.execute(f"SELECT count(*) FROM (SELECT {region} AS r FROM {kind}_actifs s WHERE s.vague = ?) "
                          "WHERE r IS NULL OR NOT list_contains(?, r)", [vague, list(actor.regions)]).fetchall()[0][0]
    if outside:
        raise StoreError(f"La vague « {vague} » compte {outside} réponse(s) hors de vos régions : seul un "
                         "administrateur peut la redresser.")
