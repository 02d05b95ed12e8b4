"""What the survey figures are: each indicator's label, the finding its share states, and its condition, derived
from the schema's column and codes in one place. The queries, the key figures, the charts, their tables and the
pack all take them from here, and so does the share of each code of a question (``code_condition``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import IMPACTS as IMPACT_COLUMNS
from ..schema import KINDS
from ..schema import MOTIFS as MOTIF_COLUMNS
from ..store import lit, q


def code_condition(kind: str, column: str, codes: tuple[str, ...] = ()) -> str:
    """SQL true for a respondent whose answer to ``column`` is one of ``codes`` (a yes/no column: its answer),
    false for another answer, NULL for no answer. A code the schema does not know is an error here, not a 0 %."""
    col = KINDS[kind].column(column)
    if not codes:
        if col.type != "booleen":
            raise ValueError(f"{kind}.{column} n'est pas une question oui/non : précisez ses codes")
        return q(column)
    known = {c.code for c in col.codes}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"{kind}.{column} : codes inconnus du schéma {unknown}")
    return f"{q(column)} IN ({', '.join(lit(c) for c in codes)})"


@dataclass(frozen=True)
class Indicator:
    kind: str
    key: str
    label: str  # a bar, a row of a table: "Très satisfaits de l'accueil"
    constat: str  # what its share says, after the percentage: "des usagers sont très satisfaits de l'accueil"
    column: str
    codes: tuple[str, ...] = ()  # a coded question: the codes that count; none: a yes/no question

    @property
    def condition(self) -> str:
        return code_condition(self.kind, self.column, self.codes)

    @property
    def item(self) -> tuple[str, str]:
        """(label, condition): what ``indicators.shares`` computes a share of."""
        return self.label, self.condition


def _catalog(*indicators: Indicator) -> dict[str, Indicator]:
    return {i.key: i for i in indicators}


INDICATORS: dict[str, dict[str, Indicator]] = {
    "usagers": _catalog(
        Indicator("usagers", "tres_satisfait", "Très satisfaits de l'accueil",
                  "des usagers sont très satisfaits de l'accueil", "satisfaction_accueil", ("tres_satisfait",)),
        Indicator("usagers", "satisfait", "Satisfaits de l'accueil (très ou plutôt)",
                  "des usagers sont satisfaits de l'accueil (très ou plutôt)", "satisfaction_accueil",
                  ("tres_satisfait", "plutot_satisfait")),
        Indicator("usagers", "simplifie_quotidien", "Disent que la Maison simplifie leur quotidien",
                  "des usagers disent que la Maison simplifie leur quotidien", "simplifie_quotidien"),
    ),
    "agents": _catalog(
        Indicator("agents", "femmes", "Femmes", "des agents sont des femmes", "sexe", ("femme",)),
        Indicator("agents", "fonctionnaires", "Fonctionnaires", "des agents sont fonctionnaires", "statut",
                  ("fonctionnaire",)),
        Indicator("agents", "se_sent_utile", "Se sentent utiles", "des agents se sentent utiles", "se_sent_utile"),
        Indicator("agents", "appartenance_reseau", "Se sentent membres du réseau national",
                  "des agents se sentent membres du réseau national", "appartenance_reseau"),
        Indicator("agents", "mission_accueil", "Ont l'accueil pour mission principale",
                  "des agents ont l'accueil pour mission principale", "mission_principale", ("accueil",)),
    ),
    "habitants": _catalog(
        Indicator("habitants", "connait_maison_commune", "Savent qu'il y a une Maison dans leur commune",
                  "des habitants savent qu'il y a une Maison dans leur commune", "connait_maison_commune"),
        Indicator("habitants", "qualite_bonne", "Jugent l'offre de bonne qualité",
                  "des habitants jugent l'offre de bonne qualité", "qualite_offre", ("tres_bonne", "plutot_bonne")),
        Indicator("habitants", "acces_numerique_facilite", "Disent qu'elle facilite l'accès aux outils numériques",
                  "des habitants disent que la Maison facilite l'accès aux outils numériques",
                  "acces_numerique_facilite"),
    ),
}

# Why users come, as a sentence says it: "40 % des usagers viennent pour être accompagnés…".
MOTIF_PHRASES = {"aide_dossier": "être accompagnés dans la constitution d'un dossier",
                 "renseignement": "obtenir un renseignement",
                 "outils_libre_acces": "utiliser librement les outils numériques",
                 "demarche_en_ligne": "être aidés dans une démarche en ligne"}
MOTIFS = _catalog(*(Indicator("usagers", name.removeprefix("motif_"), label,
                              f"des usagers viennent pour {MOTIF_PHRASES[name.removeprefix('motif_')]}", name)
                    for name, label in MOTIF_COLUMNS))
# The effects of a Maison on its territory, asked of the three publics alike (a column of each survey).
IMPACTS = {kind: _catalog(*(Indicator(kind, name.removeprefix("impact_"), label, "", name)
                            for name, label in IMPACT_COLUMNS)) for kind in INDICATORS}
