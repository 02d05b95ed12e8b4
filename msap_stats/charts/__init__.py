"""What each page shows: key figures and charts built from the indicators, one module per page.

Every view takes a connection (or cursor) and a ``Filters`` and returns a ``Chart`` (the figure with the numbers it
plots, its title, base and source) or an ``Absent`` with the reason there is nothing to show, a DataFrame, or key
figures. No Streamlit and no SQL here: the pages lay these out, the exports reuse them. ``figures`` draws, ``theme``
gives the look, ``common`` holds what the pages' charts share.
"""

from . import activite, common, evolution, motifs, overview, regards, reseau, satisfaction, territoires  # noqa: F401
