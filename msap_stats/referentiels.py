"""The network's rules, each written once as data: the MSAP cahier des charges and the France services charter.

A criterion judges every Maison of a table (one row per Maison, the columns of
``indicators.maisons_for_criteria`` plus the distance to the nearest one) and gives
each a status. Antennas and buses are judged by their own rules ("sans objet" where a
rule does not apply to them); a criterion that no column of the registry documents
has no judge and is said "non renseigné dans ce registre".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

from .fmt import nombre

CONFORME, A_VERIFIER, NON_CONFORME, SANS_OBJET, INCONNU = (
    "conforme", "à vérifier", "non conforme", "sans objet", "inconnu")
STATUTS = (CONFORME, A_VERIFIER, NON_CONFORME, SANS_OBJET, INCONNU)
NON_RENSEIGNE = "non renseigné dans ce registre"

# The national partners of the France services charter (2019): their offer is due in every France services.
PARTENAIRES_NATIONAUX = ("pole_emploi", "caf", "cpam", "carsat", "msa", "dgfip", "justice", "ants", "la_poste")
# Operators of employment or social benefits: the MSAP cahier des charges asks for two of them.
OPERATEURS_EMPLOI_SOCIAL = ("pole_emploi", "caf", "cpam", "carsat", "msa")
PART_OF_A_WHOLE = ("antennes et sites d'une Maison multisite « sans objet » (leurs horaires complètent ceux des "
                   "autres sites)")
# Where Maisons move or depend on another site, the distance between sites says nothing.
MOBILES = ("bus", "itinerante")


def _status(known: pd.Series, ok: pd.Series) -> pd.Series:
    """Conforme / non conforme where ``known``, inconnu elsewhere."""
    ok = ok.fillna(False).astype(bool)
    return pd.Series(np.where(~known, INCONNU, np.where(ok, CONFORME, NON_CONFORME)), index=known.index)


def _antenne(df: pd.DataFrame) -> pd.Series:
    return (df["type"] == "antenne").fillna(False).astype(bool)


def _except_antennas(judged: pd.Series, df: pd.DataFrame) -> pd.Series:
    """An antenna, or one site of a multisite Maison, completes the others: its own hours are not judged alone."""
    part = _antenne(df) | (df["format"] == "multisites").fillna(False).astype(bool)
    return judged.where(~part, SANS_OBJET)


def at_least(column: str, n: float, antennas_apart: bool = False) -> Callable:
    def judge(df: pd.DataFrame, seuil_km: float) -> pd.Series:
        values = pd.to_numeric(df[column], errors="coerce")
        judged = _status(values.notna(), values >= n)
        return _except_antennas(judged, df) if antennas_apart else judged
    return judge


def is_true(column: str) -> Callable:
    def judge(df: pd.DataFrame, seuil_km: float) -> pd.Series:
        values = df[column].astype("boolean")
        return _status(values.notna(), values.fillna(False).astype(bool))
    return judge


def hours_and_days(df: pd.DataFrame, seuil_km: float) -> pd.Series:
    """At least 24 h a week over at least 5 days (a bus: the hours of all its stops, as the registry lists them)."""
    hours = pd.to_numeric(df["heures_hebdo"], errors="coerce")
    days = pd.to_numeric(df["jours_ouverture"], errors="coerce")
    return _except_antennas(_status(hours.notna(), (hours >= 24) & (days >= 5)), df)


def apart(df: pd.DataFrame, seuil_km: float) -> pd.Series:
    """Far enough from the nearest Maison: closer than the straight-line threshold is "à vérifier"."""
    d = pd.to_numeric(df["distance_km"], errors="coerce")
    judged = pd.Series(np.where(d.isna(), INCONNU, np.where(d < seuil_km, A_VERIFIER, CONFORME)), index=df.index)
    moving = df["format"].isin(MOBILES).fillna(False).astype(bool) | _antenne(df)
    return judged.where(~moving, SANS_OBJET)


@dataclass(frozen=True)
class Critere:
    key: str
    court: str                  # a few words, for a table cell
    label: str
    regle: str                  # what the criterion is judged from here
    judge: Callable | None      # (maisons, seuil_km) -> status per Maison; None: no registry column says it
    constat: str = ""           # the finding, after "x % des Maisons …" (the page's title uses the first one)


@dataclass(frozen=True)
class Referentiel:
    key: str
    label: str
    texte: str
    depuis: date
    criteres: tuple[Critere, ...]

    def critere(self, key: str) -> Critere:
        return next(c for c in self.criteres if c.key == key)


# Asked by both frames.
ESPACE_CONFIDENTIEL = Critere("espace_confidentiel", "Espace confidentiel", "Espace d'entretien confidentiel",
                              "colonne « Espace confidentiel » du registre", is_true("espace_confidentiel"))

MSAP = Referentiel(
    "msap", "Cahier des charges des MSAP (2015-2019)",
    "Cahier des charges national des Maisons de services au public (loi NOTRe, 2015)", date(2015, 1, 1), (
        Critere("heures", "24 h", "Ouverte au moins 24 h par semaine",
                "heures d'ouverture hebdomadaires d'après les horaires du registre ; "
                f"{PART_OF_A_WHOLE}",
                at_least("heures_hebdo", 24, antennas_apart=True), "ouvrent au moins 24 h par semaine"),
        Critere("operateurs", "2 opérateurs", "Au moins deux opérateurs de l'emploi ou des prestations sociales",
                "Pôle emploi, CAF, CPAM, CARSAT ou MSA parmi les opérateurs partenaires",
                at_least("operateurs_sociaux", 2)),
        Critere("distance", "Distance", "À une vingtaine de minutes au moins de la Maison la plus proche",
                "distance à vol d'oiseau à la Maison la plus proche du réseau ; en deçà du seuil choisi, la Maison "
                "est « à vérifier » ; bus, Maisons itinérantes et antennes : « sans objet »", apart),
        Critere("agent_forme", "Agents formés", "Agents d'accueil formés", "colonne « Agents formés » du registre",
                is_true("agent_forme")),
        ESPACE_CONFIDENTIEL,
    ))

FRANCE_SERVICES = Referentiel(
    "france_services", "Charte France services (depuis 2020)",
    "Charte nationale d'engagement France services (circulaire du 1er juillet 2019)", date(2020, 1, 1), (
        Critere("heures", "24 h sur 5 jours", "Ouverte au moins 24 h par semaine, sur 5 jours",
                "heures et jours d'ouverture d'après les horaires du registre ; un bus compte les horaires de tous "
                f"ses arrêts ; {PART_OF_A_WHOLE}",
                hours_and_days, "ouvrent au moins 24 h par semaine sur 5 jours"),
        Critere("agents", "2 agents présents", "Au moins deux agents d'accueil formés présents",
                "colonne « Agents d'accueil présents » du registre", at_least("agents_accueil", 2)),
        Critere("partenaires", "9 partenaires", "L'offre des neuf partenaires nationaux",
                "France Travail, CAF, Assurance maladie, Assurance retraite, MSA, DGFiP, Intérieur (ANTS), Justice et "
                "La Poste parmi les opérateurs partenaires", at_least("partenaires_nationaux", 9)),
        ESPACE_CONFIDENTIEL,
        Critere("trente_minutes", "30 minutes", "À moins de 30 minutes des habitants",
                "les temps de trajet des habitants, qu'un registre de sites ne donne pas", None),
    ))

REFERENTIELS = {r.key: r for r in (MSAP, FRANCE_SERVICES)}
AUTOMATIQUE = "auto"


def matching(label_dates: pd.Series) -> tuple[Referentiel, str]:
    """The frame that fits the Maisons' labelling dates, and why (most labelled since 2020: the charter)."""
    dates = pd.to_datetime(label_dates, errors="coerce").dropna()
    if dates.empty:
        return FRANCE_SERVICES, "dates de labellisation absentes du registre : le référentiel en vigueur"
    recent = int((dates >= pd.Timestamp(FRANCE_SERVICES.depuis)).sum())
    if recent * 2 >= len(dates):
        return FRANCE_SERVICES, f"{nombre(recent)} des {nombre(len(dates))} Maisons datées labellisées depuis 2020"
    return MSAP, f"{nombre(len(dates) - recent)} des {nombre(len(dates))} Maisons datées labellisées avant 2020"
