"""Identities that cannot be borrowed: a user is the provider's account (issuer and sub), linked to an address
only when the provider verified it and no other account holds it; addresses are compared folded, and those hiding
what they are (bidi, zero-width, a Kelvin sign for a K, spaces) are refused, in roles as at login."""

from __future__ import annotations

import pytest

from msap_stats import audit, store
from msap_stats.access import roles, users
from msap_stats.store import StoreError

ISS = "https://connexion.example.gouv.fr"
ADMIN = users.User("admin@anct.gouv.fr", "admin")


@pytest.fixture
def con(tmp_path):
    c = store.connect(tmp_path / "identites.duckdb")
    roles.grant(c, ADMIN, ADMIN.email, "admin")
    roles.grant(c, ADMIN, "k.coord@anct.gouv.fr", "coordinateur", ("76",))
    yield c
    c.close()


def first_login(con, **claims) -> users.Login:
    login = users.login(con, {"iss": ISS, **claims})
    if login.bind or login.refus:
        roles.record_login(con, login)
    return login


def test_an_address_links_to_one_account_and_only_when_verified(con):
    assert first_login(con, sub="a1", email="admin@anct.gouv.fr", email_verified=False).email is None
    owner = first_login(con, sub="a1", email="Admin@ANCT.gouv.fr", email_verified=True)
    assert owner.email == "admin@anct.gouv.fr" and users.user(con, owner.email).role == "admin"
    # Another account saying the same address (or a spaced, capitalised writing of it) is refused and journaled.
    for writing in ("admin@anct.gouv.fr", "ADMIN@anct.gouv.fr", "  admin@anct.gouv.fr\t"):
        intruder = first_login(con, sub="b2", email=writing, email_verified=True)
        assert intruder.email is None and intruder.refus
    # The account keeps its address whatever its later claims say.
    again = users.login(con, {"iss": ISS, "sub": "a1", "email": "autre@example.fr", "email_verified": True})
    assert again.email == "admin@anct.gouv.fr"
    # The same sub at another provider is another account.
    assert first_login(con, iss="https://autre.example", sub="a1", email="admin@anct.gouv.fr",
                       email_verified=True).email is None
    log = audit.audit_log(con)
    assert (log["action"] == "compte lié").sum() == 1 and (log["action"] == "connexion refusée").sum() >= 4


@pytest.mark.parametrize("writing", ["\u212a.coord@anct.gouv.fr",  # KELVIN SIGN, folded to k by NFKC
                                     "k.coord@anct.gouv.fr\u200b", "k.\u202ecoord@anct.gouv.fr",
                                     "k.coord@anct.gouv.fr\u00ad", "k coord@anct.gouv.fr", "k.coord@@anct.gouv.fr"])
def test_an_address_that_hides_what_it_is_gets_no_role(con, writing):
    assert users.address(writing) is None
    assert first_login(con, sub="c3", email=writing, email_verified=True).email is None
    assert users.user(con, writing).role is None
    with pytest.raises(StoreError, match="caractère invisible"):
        roles.grant(con, ADMIN, writing, "lecteur")


def test_roles_compare_addresses_folded(con):
    assert users.user(con, "K.Coord@Anct.Gouv.FR").role == "coordinateur"
    assert users.address("Straße@example.de") == "strasse@example.de"


def test_roles_list_shows_hidden_characters_of_a_store_made_before(con, tmp_path):
    """A role written by an older version with a bidi mark: listed with the mark visible, never acting."""
    from tests.access.test_roles import cli
    con.execute("INSERT INTO roles VALUES ('evil\u202e@example.fr', 'lecteur', [], 'x', now()::TIMESTAMP)")
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    con.close()
    listing = cli("roles", "list", "--db", path).stdout
    assert "\u202e" not in listing and "evil" in listing
