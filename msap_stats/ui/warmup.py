"""What the first visit of each page computes with the filters left as they are by default, in the pages' order:
``connection.warm_up`` computes it in the background once per version of the data, so that a page opened for the
first time after a start or an import finds its figures in the cache."""

from __future__ import annotations

from ..charts import activite, common, motifs, overview, reseau, satisfaction, territoires
from ..export import catalogue
from ..perimetre import Filters
from . import connection


def first_visits():
    """(function, its arguments after the filters…), as the pages call them with their settings' defaults."""
    yield from ((common.filter_notes,), (common.periode,), (overview.key_figures,))
    zone = next(iter(connection.cached(territoires.zones, Filters())), territoires.FRANCE)
    for piece in catalogue.CATALOGUE:
        yield (piece.view, *piece.args, *((zone,) if piece.view in catalogue.MAPS else ()))
    yield from ((motifs.motifs_par_region,), (activite.profil_public, "sexe"), (activite.classement_maisons,))
    for view in (satisfaction.satisfaction_accueil, satisfaction.tres_satisfaits_par, satisfaction.simplifie_quotidien):
        yield view, satisfaction.DEFAULT_BREAKDOWN
    yield from ((territoires.tableau_departements,), (territoires.tableau_regions,), (reseau.referentiel,),
                (reseau.criteres,), (reseau.maisons_en_defaut,), (reseau.paires_proches,))
