"""Numbers, percentages and dates written the French way (1 100 ; 40 % ; 3,5 ; mars 2016)."""

from __future__ import annotations

import math
import re

NNBSP = "\u202f"  # narrow no-break space: thousands separator and before %
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")
MOIS_COURTS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def nombre(x, decimals: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


INSUFFISANT = "effectif insuffisant"  # the wording of a figure not given for want of answers, written once


def pct(x, decimals: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return INSUFFISANT
    return f"{nombre(x, decimals)}{NNBSP}%"


def mois(d) -> str:
    """A month in words: "mars 2016"."""
    return f"{MOIS[d.month - 1]} {d.year}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell for a CSV or a spreadsheet: never read as a formula (a leading ' keeps it text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def first_number(label: str) -> float:
    """Order of a category of one's own: its first number ("18-34 ans" before "35-49 ans")."""
    m = re.search(r"\d+", label)
    return float(m.group()) if m else float("inf")
