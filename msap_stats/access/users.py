"""Who is acting: a user known by the login's e-mail address, with the role the store gives them; or, on one
person's own machine (no login configured, or the command line), ``local_user()``: an administrator named after
the system account."""

from __future__ import annotations

import getpass
import os
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


def user(con, email: str) -> User:
    """The user behind an e-mail address (as the login gives it), with the role the store gives them."""
    email = email.strip().lower()
    rows = con.execute("SELECT role, regions FROM roles WHERE email = ?", [email]).fetchall()
    return User(email, rows[0][0], tuple(rows[0][1] or ())) if rows else User(email, None)
