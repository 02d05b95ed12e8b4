"""Roles kept in the store and enforced by the functions that write: a coordinator imports and rolls back for the
Maisons of their région(s) only, a reader never writes, only an administrator touches the registry and the roles;
every import, rollback, refusal and role change is in the audit log with its user."""

from __future__ import annotations

import subprocess
import sys

import pytest

from msap_stats import audit, store
from msap_stats.access import roles, users
from msap_stats.errors import ImportRefused
from msap_stats.intake.importer import import_bytes, rollback
from msap_stats.store import StoreError
from tests.conftest import ROOT, store_digest

ADMIN = users.User("admin@anct.gouv.fr", "admin")
OCCITANIE = users.User("coord.occitanie@anct.gouv.fr", "coordinateur", ("76",))
LECTEUR = users.User("evaluatrice@anct.gouv.fr", "lecteur")
SANS_ROLE = users.User("inconnu@example.fr", None)


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "msap_stats", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def maisons_of(con, region: str, n: int) -> list[str]:
    return [r[0] for r in con.execute("SELECT id_maison FROM maisons_v WHERE code_region = ? ORDER BY id_maison "
                                      "LIMIT ?", [region, n]).fetchall()]


def activity(ids: list[str], month: str = "2024-03") -> bytes:
    return ("id_maison;mois;thematique;nb\n" + "".join(f"{i};{month};emploi;{k + 1}\n" for k, i in enumerate(ids))
            ).encode("utf-8")


def test_the_first_admin_is_named_on_the_command_line_then_grants(registry_copy):
    assert "Aucun rôle" in cli("roles", "list", "--db", registry_copy).stdout
    assert cli("roles", "add", "Admin@ANCT.gouv.fr", "admin", "--db", registry_copy).returncode == 0
    no_region = cli("roles", "add", OCCITANIE.email, "coordinateur", "--db", registry_copy)
    assert no_region.returncode == 1 and "précisez-les" in no_region.stderr
    done = cli("roles", "add", OCCITANIE.email, "coordinateur", "--region", "76", "--db", registry_copy)
    assert done.returncode == 0 and "pour la ou les régions 76" in done.stdout
    listing = cli("roles", "list", "--db", registry_copy).stdout
    assert "admin@anct.gouv.fr\tadmin" in listing and f"{OCCITANIE.email}\tcoordinateur\t76" in listing
    con = store.connect(registry_copy, read_only=True)
    assert users.user(con, "COORD.occitanie@anct.gouv.fr ") == OCCITANIE
    assert users.user(con, SANS_ROLE.email).role is None
    con.close()


def test_a_coordinator_imports_for_their_region_only(con_registry, registry_copy):
    ours, theirs = maisons_of(con_registry, "76", 5), maisons_of(con_registry, "11", 1)
    done = import_bytes(con_registry, activity(ours), "occitanie.csv", "activite", user=OCCITANIE)
    assert done.lignes_chargees == 5
    assert con_registry.execute("SELECT auteur FROM imports ORDER BY import_id DESC LIMIT 1").fetchall()[0][0] \
        == OCCITANIE.email
    count = con_registry.execute("SELECT count(*) FROM activite").fetchall()[0][0]
    with pytest.raises(ImportRefused) as refused:
        import_bytes(con_registry, activity(ours + theirs, "2024-04"), "melange.csv", "activite", user=OCCITANIE)
    assert refused.value.total == 1
    problem = refused.value.problems[0]
    assert (problem.ligne, problem.valeur) == (7, theirs[0]) and "hors de vos régions (76) : région 11" in problem.raison
    assert con_registry.execute("SELECT count(*) FROM activite").fetchall()[0][0] == count  # refused whole


@pytest.mark.parametrize("who, kind, words", [
    (LECTEUR, "activite", "n'a pas le droit d'importer (rôle « lecteur »)"),
    (SANS_ROLE, "activite", "rôle « aucun »"),
    (OCCITANIE, "maisons", "le registre des Maisons est tenu par les administrateurs"),
])
def test_who_may_not_import_is_refused_and_the_store_unchanged(who, kind, words, registry_copy):
    before = store_digest(registry_copy)
    con = store.connect(registry_copy)
    ids = maisons_of(con, "76", 2)
    body = activity(ids) if kind == "activite" else b"id_maison;nom;code_departement\nX1;Nouvelle;34\n"
    with pytest.raises(ImportRefused, match=words.replace("(", r"\(").replace(")", r"\)")):
        import_bytes(con, body, "f.csv", kind, user=who)
    con.close()
    assert store_digest(registry_copy) == before


def test_rollbacks_and_roles_follow_the_same_rules(con_registry):
    ours, theirs = maisons_of(con_registry, "76", 3), maisons_of(con_registry, "11", 2)
    mine = import_bytes(con_registry, activity(ours), "o.csv", "activite", user=OCCITANIE).import_id
    national = import_bytes(con_registry, activity(ours + theirs, "2024-05"), "n.csv", "activite", user=ADMIN).import_id
    with pytest.raises(StoreError, match="hors de vos régions"):
        rollback(con_registry, national, user=OCCITANIE)
    with pytest.raises(StoreError, match="pas le droit d'annuler"):
        rollback(con_registry, mine, user=LECTEUR)
    assert "annulé" in rollback(con_registry, mine, user=OCCITANIE)
    assert con_registry.execute("SELECT annule_par FROM imports WHERE import_id = ?", [mine]).fetchall()[0][0] \
        == OCCITANIE.email
    with pytest.raises(StoreError, match="réservé aux administrateurs"):
        roles.grant(con_registry, OCCITANIE, "ami@anct.gouv.fr", "admin")
    roles.grant(con_registry, ADMIN, ADMIN.email, "admin")
    with pytest.raises(StoreError, match="seul administrateur"):
        roles.revoke(con_registry, ADMIN, ADMIN.email)
    from msap_stats.intake import profiles

    with pytest.raises(StoreError, match="pas le droit de modifier les profils de source"):
        profiles.delete_profile(con_registry, "un profil", user=LECTEUR)
    with pytest.raises(StoreError, match="Région\\(s\\) inconnue\\(s\\) : 99"):
        roles.grant(con_registry, ADMIN, "x@anct.gouv.fr", "coordinateur", ("99",))


def test_the_audit_log_holds_imports_rollbacks_refusals_and_role_changes(registry_copy, tmp_path):
    con = store.connect(registry_copy)
    ours, theirs = maisons_of(con, "76", 2), maisons_of(con, "11", 1)
    roles.grant(con, ADMIN, OCCITANIE.email, "coordinateur", ("76",))
    done = import_bytes(con, activity(ours), "o.csv", "activite", user=OCCITANIE)
    with pytest.raises(ImportRefused):
        import_bytes(con, activity(theirs, "2024-06"), "=HYPERLINK(\"x\").csv", "activite", user=OCCITANIE)
    rollback(con, done.import_id, user=OCCITANIE)
    log = audit.audit_log(con)
    con.close()
    mine = log[log["utilisateur"] == OCCITANIE.email]
    assert sorted(mine["action"]) == ["annulation", "import", "refus"]
    assert (log["action"] == "rôle accordé").sum() == 1 and "coordinateur (76)" in log["detail"].str.cat()
    assert list(log["quand"]) == sorted(log["quand"], reverse=True)
    out = tmp_path / "audit.csv"
    written = cli("audit", "--csv", out, "--db", registry_copy)
    assert written.returncode == 0 and "entrées" in written.stdout
    text = out.read_bytes().decode("utf-8-sig")
    assert "refus" in text and OCCITANIE.email in text and "\n=" not in text and ";=" not in text


def survey(ids: list[str], maisons: list[str]) -> bytes:
    rows = "".join(f"{i};{m};15/11/2016;Très satisfait;Oui;Oui;Non;Non;Oui\n" for i, m in zip(ids, maisons))
    return ("id_reponse;id_maison;date_reponse;satisfaction_accueil;motif_aide_dossier;motif_renseignement;"
            "motif_outils_libre_acces;motif_demarche_en_ligne;simplifie_quotidien\n" + rows).encode("utf-8")


def test_a_coordinator_cannot_replace_another_region_s_answers_by_reusing_their_ids(con_registry):
    """Île-de-France's answers R1…R6, then Occitanie's file reusing those ids with « Remplacer »: a response id is
    the survey's at its Maison, so Occitanie's answers are added and none of Île-de-France's is touched or named."""
    idf, occ = maisons_of(con_registry, "11", 2), maisons_of(con_registry, "76", 2)
    ids = [f"R{i}" for i in range(1, 7)]
    first = import_bytes(con_registry, survey(ids, idf * 3), "idf.csv", "usagers", user=ADMIN)
    second = import_bytes(con_registry, survey(ids, occ * 3), "occitanie.csv", "usagers", user=OCCITANIE,
                          replace=True)
    assert second.lignes_chargees == 6 and second.lignes_remplacees == 0
    assert con_registry.execute("SELECT count(*) FROM usagers_actifs WHERE import_id = ?",
                                [first.import_id]).fetchall()[0][0] == 6
    assert "idf.csv" not in second.message()
