"""Numbers, percentages and dates written the French way (1 100 ; 40 % ; 3,5 ; mars 2016)."""

from __future__ import annotations

import math
import re
import unicodedata

NNBSP = "\u202f"  # narrow no-break space: thousands separator and before %
NBSP = "\u00a0"  # no-break space: « 24 h 15 » on one line
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")
MOIS_COURTS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
# A month's name as files write it, lower case and without accents (French, and English abbreviations), and the
# pattern matching one of them (the longest first: « janvier » before « jan »).
MONTH_WORDS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "mars": 3, "mar": 3, "avril": 4,
    "avr": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "jun": 6, "juillet": 7, "juil": 7, "jul": 7, "aout": 8,
    "aou": 8, "aug": 8, "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
MONTH_WORDS_PATTERN = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))


def duree(hours) -> str:
    """Hours as a clock says them: 24.25 → « 24 h 15 », 35 → « 35 h »; « – » when unknown."""
    if hours is None or hours != hours:
        return "–"
    minutes = int(round(float(hours) * 60))
    h, m = divmod(minutes, 60)
    return f"{h}{NBSP}h{NBSP}{m:02d}" if m else f"{h}{NBSP}h"


def nombre(x, decimals: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


INSUFFISANT = "effectif insuffisant"  # the wording of a figure not given for want of answers, written once



def compte(n, nom: str, pluriel: str | None = None) -> str:
    """A count and its noun (with its adjective), agreed as French agrees them: "1 Maison localisée", "0 demande",
    "2 845 Maisons localisées"; ``pluriel`` where adding an s to each word is not the plural."""
    return f"{nombre(n)} {nom if abs(n) < 2 else (pluriel or ' '.join(w + 's' for w in nom.split()))}"

def pct(x, decimals: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return INSUFFISANT
    return f"{nombre(x, decimals)}{NNBSP}%"


def mois(d) -> str:
    """A month in words: "mars 2016"."""
    return f"{MOIS[d.month - 1]} {d.year}"


def jour(d) -> str:
    """A day in words: "1er août 2024", "15 mars 2016"."""
    return f"{'1er' if d.day == 1 else d.day} {mois(d)}"


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


def cell(value, width: int = 60) -> str:
    """A value from a file, shown in a message: on one line, control characters visible, cut past ``width``."""
    text = printable(str(value))
    return text if len(text) <= width else text[:width - 3] + "…"


def quoted_list(items, limit: int = 12) -> str:
    """« a », « b » et 3 autres: a list from a file, however long, in one short line."""
    items = list(items)
    shown = ", ".join(f"« {cell(i)} »" for i in items[:limit])
    return shown + (f" et {nombre(len(items) - limit)} autres" if len(items) > limit else "")


def printable(text: str) -> str:
    """Text from a file, safe for a terminal or a log line: control characters (escape codes, line breaks, NUL)
    are replaced by visible marks instead of acting."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _mark(c) for c in text)


def _mark(c: str) -> str:
    if c in "\n\r":
        return "↵"
    if c == "\t":
        return "⇥"
    if unicodedata.category(c) in ("Zs",):
        return " "
    return f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"


_TERMINAL = {c: _mark(chr(c)) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t"}


def terminal(text: str) -> str:
    """What the command line prints: its own line breaks and tabs kept, every other control character
    (an escape code a cell carried, a bell, a carriage return) shown instead of acting on the terminal."""
    return text.translate(_TERMINAL)
