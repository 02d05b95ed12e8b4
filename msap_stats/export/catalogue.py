"""Every chart of every page that a note may hold, by key, in the pages' order; how each is drawn for a
perimeter, and when it has too little to show to be printed."""

from __future__ import annotations

from dataclasses import dataclass

from ..charts import activite, common, evolution, motifs, regards, reseau, satisfaction, territoires
from ..charts.figures import Chart
from ..indicators import Filters

REASON = "Sans chiffre : raison"  # the tables' column that says why a cell has no figure
MOSTLY = 0.5  # a chart with more than half its cells without a figure is not printed


@dataclass(frozen=True)
class Piece:
    """A chart a note may hold."""

    key: str
    nom: str          # its name in the pack (section title, file, sheet)
    page: str
    view: object
    args: tuple = ()

    def draw(self, con, f: Filters) -> Chart | common.Absent:
        if self.view in MAPS:  # all France when the perimeter spans métropole and overseas, else its one zone
            return self.view(con, f, *self.args, next(iter(territoires.zones(con, f)), territoires.FRANCE))
        return self.view(con, f, *self.args)


MAPS = (territoires.carte_departements, territoires.carte_maisons)

CATALOGUE = (
    Piece("motifs", "Motifs de visite", "Motifs", motifs.motifs_usagers),
    Piece("thematiques", "Thématiques des demandes", "Motifs", motifs.demandes_par_thematique),
    Piece("operateurs", "Demandes par opérateur", "Motifs", motifs.demandes_par_operateur),
    Piece("accompagnement", "Types d'accompagnement", "Motifs", motifs.types_accompagnement),
    Piece("sante", "Santé et dépendance", "Motifs", motifs.part_sante_dependance),
    Piece("thematiques_regions", "Thématiques par région", "Motifs", motifs.thematiques_par_region),
    Piece("satisfaction", "Satisfaction", "Satisfaction", satisfaction.satisfaction_accueil),
    Piece("tres_satisfaits", "Usagers très satisfaits", "Satisfaction", satisfaction.tres_satisfaits_par),
    Piece("simplifie", "Une vie quotidienne simplifiée", "Satisfaction", satisfaction.simplifie_quotidien),
    Piece("attentes", "Attentes des usagers", "Satisfaction", satisfaction.attentes),
    Piece("regards", "Regards croisés", "Regards croisés", regards.impacts_compares),
    Piece("agents", "Profil des agents", "Regards croisés", regards.profil_agents),
    Piece("missions", "Missions des agents", "Regards croisés", regards.missions_agents),
    Piece("arrivee", "Arrivée des agents", "Regards croisés", regards.arrivee_agents),
    Piece("habitants", "Ce que savent les habitants", "Regards croisés", regards.habitants_connaissance),
    Piece("qualite", "Qualité de l'offre", "Regards croisés", regards.qualite_offre),
    Piece("mois", "Demandes par mois", "Activité", activite.demandes_par_mois),
    Piece("mois_thematiques", "Thématiques, mois par mois", "Activité", activite.demandes_mois_thematique),
    Piece("mois_accompagnement", "Accompagnement, mois par mois", "Activité", activite.demandes_mois_accompagnement),
    Piece("par_maison", "Demandes par Maison", "Activité", activite.demandes_par_maison),
    Piece("par_heure", "Demandes par heure d'ouverture", "Activité", activite.demandes_par_heure),
    Piece("ages", "Âge des usagers", "Activité", activite.profil_public),
    Piece("densite", "Densité par département", "Territoires", territoires.carte_departements, ("maisons_100k",)),
    Piece("carte", "Carte des Maisons", "Territoires", territoires.carte_maisons),
    Piece("regions", "Densité par région", "Territoires", territoires.maisons_par_region),
    Piece("criteres", "Critères du réseau", "Réseau", reseau.conformite),
    Piece("formats", "Formats", "Réseau", reseau.formats),
    Piece("porteurs", "Structures porteuses", "Réseau", reseau.porteurs),
    Piece("partenariats", "Partenariats", "Réseau", reseau.partenariats),
    Piece("evolution_usagers", "Évolution des usagers", "Évolution", evolution.waves_change, ("usagers",)),
    Piece("evolution_agents", "Évolution des agents", "Évolution", evolution.waves_change, ("agents",)),
    Piece("evolution_habitants", "Évolution des habitants", "Évolution", evolution.waves_change, ("habitants",)),
    Piece("evolution_reseau", "Évolution du réseau", "Évolution", evolution.network_change),
    Piece("croissance", "Labellisations", "Évolution", evolution.growth),
    Piece("evolution_densite", "Évolution de la densité", "Évolution", evolution.density_change),
    Piece("activite_an", "Activité sur un an", "Évolution", evolution.activity_year),
)
BY_KEY = {p.key: p for p in CATALOGUE}
# The note proposed when nobody composed one: these, in this order, as far as the perimeter has them.
PROPOSED = ("motifs", "satisfaction", "regards", "thematiques", "mois", "densite", "carte", "criteres", "formats",
            "porteurs", "regions")
EVOLUTION = ("evolution_usagers", "evolution_agents", "evolution_habitants", "evolution_reseau", "activite_an")


def mostly_empty(chart: Chart) -> bool:
    """More than half the chart's cells are without a figure (too few answers): it would print mostly gaps."""
    if REASON not in chart.donnees:
        return False
    reasons = chart.donnees[REASON].fillna("").astype(str)
    return len(reasons) > 0 and (reasons != "").mean() > MOSTLY


def printable_or_why(piece: Piece, con, f: Filters) -> Chart | str:
    """The chart, or why the note leaves it out (in French)."""
    result = piece.draw(con, f)
    if isinstance(result, common.Absent):
        return result.message.split(" : ")[0]
    if mostly_empty(result):
        return f"{piece.nom} : la plupart des chiffres manquent (effectif insuffisant)"
    return result
