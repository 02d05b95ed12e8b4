"""What the pages compute before anyone asks: ``connection.warm_up`` runs ``plan`` in the background once per
version of the data, so that a page opened for the first time after a start or an import, and the overview of any
one région, find their figures in the cache (in the process's memory, and on the disk for the deployment's other
processes: ``shelf``)."""

from __future__ import annotations

import os

from ..charts import activite, common, motifs, overview, regards, reseau, satisfaction, territoires
from ..export import catalogue
from ..perimetre import Filters
from . import blocks, connection, filters

# The overview's charts, one per theme, in the page's order: (view, the page that says more, its title).
OVERVIEW_THEMES = [
    (motifs.motifs_usagers, "pages/motifs.py", "Motifs de visite"),
    (satisfaction.satisfaction_accueil, "pages/satisfaction.py", "Satisfaction des usagers"),
    (regards.impacts_compares, "pages/regards-croises.py", "Regards croisés"),
    (activite.demandes_par_mois, "pages/activite.py", "Activité"),
    (territoires.maisons_par_region, "pages/territoires.py", "Territoires"),
    (reseau.conformite, "pages/reseau.py", "Réseau et critères"),
]


def overview_calls(f: Filters):
    """(function, its arguments…) of the overview for the filters ``f``, as the page calls them."""
    yield from ((common.filter_notes, f), (common.periode, f), (overview.key_figures, f))
    for view, _, _ in OVERVIEW_THEMES:
        yield view, f


def first_visits():
    """Each page's first visit, filters left as they are by default, with its settings' defaults."""
    f = Filters()
    yield from overview_calls(f)
    zone = next(iter(connection.cached(territoires.zones, f)), territoires.FRANCE)
    for piece in catalogue.CATALOGUE:
        yield (piece.view, f, *piece.args, *((zone,) if piece.view in catalogue.MAPS else ()))
    yield from ((motifs.motifs_par_region, f), (activite.profil_public, f, "sexe"), (activite.classement_maisons, f))
    for view in (satisfaction.satisfaction_accueil, satisfaction.tres_satisfaits_par, satisfaction.simplifie_quotidien):
        yield view, f, satisfaction.DEFAULT_BREAKDOWN
    yield from ((territoires.tableau_departements, f), (territoires.tableau_regions, f), (reseau.referentiel, f),
                (reseau.criteres, f), (reseau.maisons_en_defaut, f), (reseau.paires_proches, f))


def plan():
    """The first visits, then the overview of each région that has Maisons (a filter set on one région is the most
    common change, and a shared link to « my région » opens there), each figure when no page has begun for a
    second.
    ``MSAP_ECHAUFFEMENT=pages``: the first visits
    only (a host that should do less in the background, or a test suite that starts a server per test)."""
    yield from first_visits()
    blocks.load_table_modules()  # the first page with a table need not load them
    if os.environ.get("MSAP_ECHAUFFEMENT", "regions") == "pages":
        return
    for region in filters.regions_with_maisons():
        for call in overview_calls(Filters(regions=(region,))):
            connection.wait_until_idle()  # after the people's pages, in their pauses: a page that begins while a
            yield call                    # région is prepared shares the process with one figure at most
