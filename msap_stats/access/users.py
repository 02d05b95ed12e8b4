"""Who is acting: a user known by the login's account (the provider and its ``sub``), linked to a verified e-mail
address, with the role the store gives that address; or, on one
person's own machine (no login configured, or the command line), ``local_user()``: an administrator named after
the system account."""

from __future__ import annotations

import getpass
import os
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    email: str
    role: str | None  # None: known by the login, but given no role yet
    regions: tuple[str, ...] = ()


def current_user() -> str:
    """The name this machine knows the person by: ``MSAP_USER``, or the system login."""
    try:
        return os.environ.get("MSAP_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "inconnu"


def local_user() -> User:
    """One person on their own machine: they hold the store's file, they administer it."""
    return User(current_user(), "admin")


# Characters no one types in an address and that hide what it is: controls, soft hyphen, zero-width, bidi marks.
_HIDDEN = re.compile("[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2064\u2066-\u206f\ufeff]")


def address(text: object) -> str | None:
    """An e-mail address as roles compare them (case folded), or None when it cannot be one: hidden characters
    (bidi, zero-width, controls), spaces, no single @, or a writing Unicode's compatibility form would change (the
    Kelvin sign U+212A that would pass for a K)."""
    if not isinstance(text, str) or _HIDDEN.search(text) or any(c.isspace() for c in text) or text.count("@") != 1:
        return None
    if unicodedata.normalize("NFKC", text) != text:
        return None
    return unicodedata.normalize("NFKC", text.casefold())


def user(con, email: str) -> User:
    """The user behind an e-mail address as an administrator types it (spaces around it aside), with the role the
    store gives them; an address that cannot be one has no role."""
    email = str(email).strip()
    folded = address(email)
    if folded is None:
        return User(email, None)
    rows = con.execute("SELECT role, regions FROM roles WHERE email = ?", [folded]).fetchall()
    return User(folded, rows[0][0], tuple(rows[0][1] or ())) if rows else User(folded, None)


@dataclass(frozen=True)
class Login:
    """What the login says of a person: their account at the provider (issuer and ``sub``), and the address the
    roles know them by, once it may be trusted; else why not (``refus``)."""

    issuer: str
    sub: str
    email: str | None
    refus: str | None = None
    bind: bool = False  # a first login: the account is to be linked to its address


def login(con, claims: dict) -> Login:
    """The account behind an OpenID Connect login. A user is the provider's account, never an address alone: the
    address links to it at its first login, only when the provider has verified it, and never when it is already
    linked to another account (the later logins of the account keep the address it was linked to)."""
    issuer, sub = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not sub:
        return Login(issuer, sub, None, "le fournisseur d'identité n'a pas donné d'identifiant de compte")
    bound = con.execute("SELECT email FROM identites WHERE issuer = ? AND sub = ?", [issuer, sub]).fetchall()
    if bound:
        return Login(issuer, sub, bound[0][0])
    if claims.get("email_verified") not in (True, "true", "True"):
        return Login(issuer, sub, None, "votre fournisseur d'identité n'a pas vérifié votre adresse électronique")
    folded = address(claims.get("email"))
    if folded is None:
        return Login(issuer, sub, None, "l'adresse électronique donnée par la connexion contient des caractères "
                                        "invisibles, des espaces ou une écriture trompeuse")
    other = con.execute("SELECT issuer, sub FROM identites WHERE email = ?", [folded]).fetchall()
    if other:
        return Login(issuer, sub, None, f"l'adresse {folded} est déjà liée à un autre compte")
    return Login(issuer, sub, folded, bind=True)
