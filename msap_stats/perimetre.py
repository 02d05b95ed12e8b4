"""The perimeter of a view or a figure (régions, départements, period, kind of Maison, network's date, wave), as
the dashboard's URLs, the command line's options and every query take it. Light: a command builds its options
from it without loading the queries."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ALL_WAVES = "toutes"  # a wave filter pooling every wave of a survey


@dataclass(frozen=True)
class Filters:
    """The perimeter of a view: empty means all."""

    regions: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    debut: str | None = None  # YYYY-MM
    fin: str | None = None  # YYYY-MM
    formats: tuple[str, ...] = ()
    porteurs: tuple[str, ...] = ()
    date_reseau: str | None = None  # AAAA-MM-JJ: the network in force at that date (else today's)
    vague: str | None = None  # a survey's wave (else its latest); ALL_WAVES pools them, and says so

    def describe(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v}


# The filters' lists as named in the dashboard's URLs and the command line's options (--region 76…).
FILTER_PARAMS = {"regions": "region", "departements": "departement", "formats": "format", "porteurs": "porteur"}
