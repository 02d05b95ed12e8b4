"""The real login flow: a local OpenID Connect provider (oidc-provider-mock) on 127.0.0.1, the dashboard with an
[auth] section, Chromium. A coordinator imports for their région and is refused for another; someone without a
role sees no data; an administrator grants a role, which then opens the pages."""

from __future__ import annotations

import secrets

import pytest

from msap_stats import store
from msap_stats.audit import audit_log
from msap_stats.access import roles, users
from tests import browser
from tests.conftest import CONTOURS
from tests.spreadsheets import write_csv_fr

pytestmark = pytest.mark.skipif(not browser.chromium_available(), reason=browser.MISSING_CHROMIUM)
ADMIN, COORD, NEWCOMER = "admin@anct.gouv.fr", "coord.occitanie@anct.gouv.fr", "nouvelle@anct.gouv.fr"
UNVERIFIED, BORROWER = "compte-non-verifie", "compte-emprunteur"


@pytest.fixture
def page():
    with browser.chromium_page() as p:
        yield p


@pytest.fixture
def provider():
    accounts = {email: {"email": email, "name": email, "email_verified": True} for email in (ADMIN, COORD, NEWCOMER)}
    # Two accounts the provider let set their own address: one unverified, one saying the administrator's.
    accounts[UNVERIFIED] = {"email": ADMIN.upper(), "email_verified": False}
    accounts[BORROWER] = {"email": f"  {ADMIN}\t", "email_verified": True}
    with browser.oidc_provider(accounts) as url:
        yield url


def _upload(page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator("[data-testid='stFileUploaderDropzone'] button").first.click()
    chooser.value.set_files(str(path))


def test_login_roles_and_regions_in_the_browser(registry_db, provider, tmp_path, page):
    db = tmp_path / "acces.duckdb"
    db.write_bytes(registry_db.read_bytes())
    con = store.connect(db)
    admin = users.User(ADMIN, "admin")
    roles.grant(con, admin, ADMIN, "admin")
    roles.grant(con, admin, COORD, "coordinateur", ("76",))
    ours = [r[0] for r in con.execute("SELECT id_maison FROM maisons_v WHERE code_region = '76' LIMIT 3").fetchall()]
    theirs = con.execute("SELECT id_maison FROM maisons_v WHERE code_region = '11' LIMIT 1").fetchall()[0][0]
    con.close()
    header = ["id_maison", "mois", "thematique", "nb"]
    occitanie = write_csv_fr(tmp_path / "occitanie.csv", header, [[i, "2024-03", "emploi", 2] for i in ours])
    mixed = write_csv_fr(tmp_path / "melange.csv", header, [[i, "2024-04", "emploi", 1] for i in [*ours, theirs]])

    port = browser.free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(16)}"\nclient_id = "msap-stats"\nclient_secret = "secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    with browser.streamlit_server(db, CONTOURS, port=port, args=("--secrets.files", str(secrets_file))) as url:
        page.goto(url)
        browser.wait_for_app(page)
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "Connectez-vous" in text and "Maisons dans le périmètre" not in text

        browser.login(page, url, COORD)  # a coordinator: their région accepted, another refused whole
        assert f"Connecté(e) : {COORD} — coordinateur (76)" in page.locator("[data-testid='stSidebar']").inner_text()
        browser.open_page(page, "Importer des données")
        assert page.get_by_role("link", name="Administration").count() == 0
        _upload(page, occitanie)
        page.get_by_role("button", name="Importer 3 ligne(s)").click()
        page.get_by_text("Import n°2").first.wait_for(timeout=60_000)
        browser.wait_for_app(page)
        _upload(page, mixed)
        page.get_by_role("button", name="Importer 4 ligne(s)").click()
        page.get_by_text("Import refusé : rien n'a été enregistré").first.wait_for(timeout=60_000)
        refused = f"valeur « {theirs} » : hors de vos régions (76) : région 11"
        page.wait_for_function("said => document.documentElement.outerHTML.includes(said)", arg=refused,
                               timeout=60_000)  # the problems are laid out after the heading: under load, later
        assert refused in page.content()
        assert browser.exceptions(page) == []
        page.context.clear_cookies()

        browser.login(page, url, NEWCOMER)  # no role: no data, whom to ask
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "Accès en attente" in text and ADMIN in text and "Maisons dans le périmètre" not in text
        page.context.clear_cookies()

        browser.login(page, url, ADMIN)  # the administrator's account is linked to the address at its first login
        page.context.clear_cookies()
        for sub, words in ((UNVERIFIED, "n'a pas vérifié votre adresse"), (BORROWER, "des espaces")):
            browser.login(page, url, sub)  # an address the provider did not verify, or written to pass for another
            text = page.locator("[data-testid='stMain']").inner_text()
            assert "Connexion refusée" in text and words in text and "Maisons dans le périmètre" not in text
            page.context.clear_cookies()

        browser.login(page, url, ADMIN)  # the administrator grants a role
        browser.open_page(page, "Administration")
        page.get_by_label("Adresse électronique (celle de la connexion)").fill(NEWCOMER)
        page.get_by_role("button", name="Accorder ce rôle").click()
        page.get_by_text(f"{NEWCOMER} a désormais le rôle « lecteur »").wait_for(timeout=30_000)
        browser.wait_for_app(page)
        audit = page.locator("[data-testid='stMain']").inner_text()
        assert "Journal d'audit" in audit
        page.context.clear_cookies()

        browser.login(page, url, NEWCOMER)  # now a reader: the figures, no import page
        assert "Maisons dans le périmètre" in page.locator("[data-testid='stMain']").inner_text()
        assert page.get_by_role("link", name="Importer des données").count() == 0
        assert browser.exceptions(page) == []

    con = store.connect(db, read_only=True)
    log = audit_log(con)
    con.close()
    assert {"import", "refus", "rôle accordé", "compte lié", "connexion refusée"} <= set(log["action"])
    assert (log["action"] == "connexion refusée").sum() == 2  # once per session, not once per rerun
    assert set(log.loc[log["action"].isin(["import", "refus"]) & (log["utilisateur"] != "root"), "utilisateur"]) \
        == {COORD}
