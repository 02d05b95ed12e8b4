"""Source profiles by région: one coordinator's saved mapping is never applied to another région's file, is
shown before it is applied, is changed or deleted only by its région or an administrator, and every step is in
the audit log."""

from __future__ import annotations

import pytest

from msap_stats import audit
from msap_stats.access import users
from msap_stats.intake import assistant, profiles
from msap_stats.intake.importer import import_bytes
from msap_stats.intake.profiles import Choices
from msap_stats.store import StoreError
from tests.access.test_roles import ADMIN, OCCITANIE, maisons_of

IDF = users.User("coord.idf@anct.gouv.fr", "coordinateur", ("11",))
COLUMNS = {"Code": "id_maison", "Mois": "mois", "Thème": "thematique", "Nombre": "nb"}


def activity(ids: list[str], month: str) -> bytes:
    return ("Code;Mois;Thème;Nombre\n" + "".join(f"{i};{month};Emploi;2\n" for i in ids)).encode("utf-8")


def stored_themes(con, import_id: int) -> set[str]:
    return {r[0] for r in con.execute("SELECT DISTINCT thematique FROM activite WHERE import_id = ?",
                                      [import_id]).fetchall()}


def test_a_profile_serves_its_own_region_only(con_registry):
    occ, idf = maisons_of(con_registry, "76", 2), maisons_of(con_registry, "11", 2)
    wrong = Choices(COLUMNS, {"thematique": {"Emploi": "prestations_sociales"}})  # a careless reading, saved
    first = import_bytes(con_registry, activity(occ, "2024-01"), "occ.csv", "activite", user=OCCITANIE,
                         choices=wrong, save_profile="Export Occitanie")
    assert stored_themes(con_registry, first.import_id) == {"prestations_sociales"}
    # Île-de-France's file with the same headers: the profile is not offered, its own reading applies.
    data = activity(idf, "2024-01")
    seen = assistant.inspect(con_registry, data, "idf.csv", "activite", accept_suggestions=True, user=IDF,
                             choices=Choices(COLUMNS))
    assert seen.profile is None
    theirs = import_bytes(con_registry, data, "idf.csv", "activite", user=IDF, accept_suggestions=True,
                          choices=Choices(COLUMNS))
    assert stored_themes(con_registry, theirs.import_id) == {"emploi"}
    with pytest.raises(Exception, match="aucun profil"):
        assistant.inspect(con_registry, data, "idf.csv", "activite", profile="Export Occitanie", user=IDF)
    # Occitanie's next file: offered, and said before it is applied.
    mine = assistant.inspect(con_registry, activity(occ, "2024-02"), "occ2.csv", "activite", user=OCCITANIE)
    assert mine.profile.nom == "Export Occitanie" and "enregistré par coord.occitanie" in mine.profile.describe()
    assert "région(s) 76" in mine.profile.describe()
    # Changed or deleted by its région or an administrator only.
    with pytest.raises(StoreError, match="Aucun profil"):
        profiles.delete_profile(con_registry, "Export Occitanie", user=IDF)
    with pytest.raises(StoreError, match="appartient à une autre région"):
        import_bytes(con_registry, activity(idf, "2024-02"), "idf2.csv", "activite", user=IDF,
                     accept_suggestions=True, choices=Choices(COLUMNS), save_profile="Export Occitanie")
    profiles.rename_profile(con_registry, "Export Occitanie", "Occitanie v2", user=OCCITANIE)
    profiles.delete_profile(con_registry, "Occitanie v2", user=ADMIN)
    actions = list(audit.audit_log(con_registry)["action"])
    assert {"profil enregistré", "profil renommé", "profil supprimé"} <= set(actions)


def test_a_national_profile_is_offered_to_all_and_changed_by_administrators_only(con_registry):
    occ = maisons_of(con_registry, "76", 1)
    import_bytes(con_registry, activity(occ, "2024-03"), "nat.csv", "activite", user=ADMIN, accept_suggestions=True,
                 choices=Choices(COLUMNS), save_profile="Modèle national")
    found = assistant.inspect(con_registry, activity(occ, "2024-04"), "o.csv", "activite", user=OCCITANIE)
    assert found.profile.nom == "Modèle national" and "national" in found.profile.describe()
    applied = import_bytes(con_registry, activity(occ, "2024-04"), "o.csv", "activite", user=OCCITANIE)
    assert applied.lignes_chargees == 1
    assert "profil appliqué" in set(audit.audit_log(con_registry)["action"])
    with pytest.raises(StoreError, match="seul un administrateur"):
        profiles.delete_profile(con_registry, "Modèle national", user=OCCITANIE)
