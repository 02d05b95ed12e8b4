"""The audit log: imports, rollbacks, refused attempts, calibrations and role changes, newest first, each with who
and when.

It gathers what the import path records (the ``imports`` table, the journal of refusals beside the store) and
what the roles record (``roles_journal``): it sits above both.
"""

from __future__ import annotations

import pandas as pd

from .intake import journal
from .store import STATUT_CHARGE


def audit_log(con) -> pd.DataFrame:
    """Imports, rollbacks, refused attempts, calibrations (made, replaced, removed, lapsed) and role changes, newest
    first, each with who and when."""
    rows = con.execute(f"""
        SELECT date_import AS quand, auteur AS utilisateur, 'import' AS action,
               'n°' || import_id || ' ' || kind || ' : « ' || fichier || ' », ' || lignes_chargees || ' ligne(s)' AS detail
        FROM imports
        UNION ALL
        SELECT date_annulation, annule_par, 'annulation', 'n°' || import_id || ' ' || kind || ' : « ' || fichier || ' »'
        FROM imports WHERE statut <> '{STATUT_CHARGE}' AND date_annulation IS NOT NULL
        UNION ALL
        SELECT date_redressement, auteur, 'redressement',
               'n°' || id_redressement || ' ' || kind || ', vague « ' || vague || ' » : ' ||
               array_to_string(CAST(json_extract(modele, '$.libelles') AS VARCHAR[]), ', ')
        FROM redressements
        UNION ALL
        SELECT date_fin, fin_par, 'redressement ' || statut, 'n°' || id_redressement || ' ' || kind || ', vague « ' ||
               vague || ' »'
        FROM redressements WHERE date_fin IS NOT NULL
        UNION ALL
        SELECT quand, utilisateur, action, detail FROM roles_journal""").df()
    refused = pd.DataFrame([{"quand": pd.Timestamp(r["date"]), "utilisateur": r.get("auteur"), "action": "refus",
                             "detail": f"{r.get('kind')} : « {r.get('fichier')} », {r.get('problemes')} problème(s)"}
                            for r in journal.refusals(con, limit=100_000)])
    out = pd.concat([rows, refused], ignore_index=True) if len(refused) else rows
    return out.sort_values("quand", ascending=False, ignore_index=True)
