"""Proposing, for a file's columns and values, the project's columns and codes, with how sure each match is.

A header is matched by its name (the schema's names, labels and aliases, exactly
or fuzzily) and, for coded columns, by the values it holds: a column named like
``format_fs`` whose values are "Site principal" / "Antenne" is proposed as the
site type, and a column of free porteur names yields to the porteur category
column. A value is matched by the code's label and aliases, singular/plural,
the names of organisations and procedures people write instead of the theme
(CAF, Ameli, carte grise…), then fuzzily; "Autre" is the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from ..fmt import cell
from ..schema import Column, Kind, normalize_key

SURE, PROBABLE, FALLBACK, NONE = "sûr", "probable", "à défaut", "aucun"
KEEP = "__garder__"  # value mapping: keep the file's own category (breakdown-only survey columns)
BLANK = "__vide__"  # value mapping: store as unknown
NAME_THRESHOLD = 85
VALUE_THRESHOLD = 82
SPLIT_CODES = re.compile(r"[;|,\n]")


@lru_cache(maxsize=1 << 16)
def words(text: object) -> str:
    """Lower case, no accents, words separated by single spaces: the form fuzzy matching compares."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


# Words every site's name may share ("France services de …", "MSAP du …"): they name no site in particular.
GENERIC_WORDS = frozenset("france services service msap mfs maison maisons de des du d la le les l au aux a public "
                          "publics et en sur sous lez point espace site principal antenne".split())
def distinctive(text: object) -> set[str]:
    return set(words(text or "").split()) - GENERIC_WORDS


@dataclass
class ColumnMatch:
    fichier: str  # the column as named in the file
    colonne: str | None  # the project's column proposed
    certitude: str
    raison: str
    exemples: tuple[str, ...] = ()


@dataclass
class ValueMatch:
    valeur: str  # as written in the file
    nombre: int  # rows holding it
    code: str | None  # proposed code, KEEP or None
    certitude: str
    raison: str


# --- Columns ------------------------------------------------------------------

def _name_score(header: str, col: Column) -> tuple[float, str]:
    """100 for an exact name, label or alias (spelling aside); below, a fuzzy score."""
    key = normalize_key(header)
    if key in col.header_keys():
        same = key in (normalize_key(col.name), normalize_key(col.label))
        return 100.0, "nom identique" if same else "nom connu pour cette colonne"
    h = words(header)
    best, why = 0.0, ""
    for variant in (col.name, col.label, *col.aliases):
        v = words(variant)
        # Word-set matching only between names of several words: "result type" is not "type".
        several = min(len(h.split()), len(v.split())) >= 2
        score = min(99.0, fuzz.token_set_ratio(h, v) if several else fuzz.ratio(h, v))
        if score > best:
            best, why = score, f"nom proche de « {variant} »"
    return best, why


def value_fit(col: Column, counts: list[tuple[str, int]]) -> float | None:
    """Share of the rows whose value is a code, label or alias of a coded column (None: no value)."""
    if not col.coded:
        return None
    known = col.code_map()
    total = hit = 0
    for value, n in counts:
        parts = [p for p in SPLIT_CODES.split(value) if p.strip()] if col.type == "codes" else [value]
        total += n
        if parts and all(normalize_key(p) in known for p in parts):
            hit += n
    return hit / total if total else None


IGNORED = " : ignorée"  # ends the reason of a column named like one of the project's whose values are not its own


def propose_columns(kind: Kind, headers: list[str], counts: dict[str, list[tuple[str, int]]],
                    fixed: dict[str, str] | None = None) -> list[ColumnMatch]:
    """One proposal per file column; each project column is proposed for one file column at most.

    ``fixed`` holds columns made by the layout (the months unpivoted into "Mois" and "Nombre").
    """
    fixed = fixed or {}
    candidates = []  # (score, header, column, certainty, reason)
    contradicted: dict[str, str] = {}  # header -> why its name's column is not proposed
    for h in headers:
        if h in fixed:
            candidates.append((1000.0, h, fixed[h], SURE, "colonne construite depuis la mise en page"))
            continue
        for col in kind.columns:
            name, why = _name_score(h, col)
            fit = value_fit(col, counts.get(h, []))
            if (name == 100 and not col.required and fit is not None and fit < 0.3
                    and _readable_share(col, counts.get(h, [])) < 0.3):
                # Named like an optional coded column, its values say something else ("Espace labellisé" in a
                # format column): not proposed, so that the file imports without it; the person may still choose
                # it. A required column keeps its name: the validator names every value it cannot read.
                example = next((f" ; par exemple « {cell(v)} »" for v, _ in counts.get(h, []) if v), "")
                share = f"{fit:.0%}".replace("%", " %")
                contradicted[h] = (f"son nom est celui de la colonne « {col.label} », mais ses valeurs n'en sont pas "
                                   f"({share} des lignes reconnues{example}){IGNORED}")
            elif name == 100:
                # A header named like a coded column whose values are not its codes keeps the name but
                # yields to a column whose values fit (free porteur names vs. the porteur category).
                score = 100.0 if fit is None or fit >= 0.5 else 70.0
                candidates.append((score, h, col.name, SURE, why))
            elif fit is not None and fit >= 0.8:
                score = max(name * (0.6 + 0.4 * fit), 60 + 35 * fit)
                reason = (why + " et valeurs reconnues") if name >= NAME_THRESHOLD else \
                    f"valeurs reconnues ({fit:.0%} des lignes)".replace("%", " %")
                candidates.append((score, h, col.name, PROBABLE, reason))
            elif name >= NAME_THRESHOLD and (fit is None or fit >= 0.3):
                candidates.append((name * (0.8 if fit is None else 0.6 + 0.4 * fit), h, col.name, PROBABLE, why))
    candidates.sort(key=lambda c: (-c[0], headers.index(c[1])))
    taken_h: dict[str, ColumnMatch] = {}
    taken_c: set[str] = set()
    for _score, h, name, certainty, why in candidates:
        if h in taken_h or name in taken_c:
            continue
        taken_h[h] = ColumnMatch(h, name, certainty, why, _examples(counts.get(h, [])))
        taken_c.add(name)
    return [taken_h.get(h) or ColumnMatch(h, None, NONE, contradicted.get(h, "aucune colonne du projet ne correspond"),
                                          _examples(counts.get(h, []))) for h in headers]


def _readable_share(col: Column, counts: list[tuple[str, int]]) -> float:
    """The share of a column's rows whose value is a code, gets a sure or probable proposal for one, or is one of a
    survey's own categories."""
    total = sum(n for _, n in counts)
    known = col.code_map()
    readable = sum(n for v, n in counts if normalize_key(v) in known
                   or (p := propose_value(col, v))[1] in (SURE, PROBABLE) or p[0] == KEEP)
    return readable / total if total else 1.0


def _examples(counts: list[tuple[str, int]], n: int = 3) -> tuple[str, ...]:
    return tuple(v for v, _ in counts[:n])


# --- Values -------------------------------------------------------------------

def _singular(key: str) -> str:
    return re.sub(r"(s|x)$", "", key)


def _singular_words(text: str) -> str:
    """Words without their plural mark: "emplois divers" holds the word "emploi"."""
    return " ".join(re.sub(r"(?<=\w{3})[sx]$", "", word) for word in words(text).split())


def _hint_index(col: Column) -> list[tuple[str, str, str]]:
    """(words of the hint, code, hint as written), longest first: "carte grise" before "carte"."""
    out = []
    for c in col.codes:
        for hint in (*c.hints, c.label, *c.aliases):
            w = words(hint)
            if len(w) >= 3:
                out.append((w, c.code, hint))
    return sorted(out, key=lambda t: -len(t[0]))


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def propose_value(col: Column, value: str) -> tuple[str | None, str, str]:
    """(code, certainty, reason) for a value that is not already a code, label or alias.

    A value and a label that hold numbers must hold the same ones: "65 ans et plus" is not "75 ans et plus".
    """
    key = normalize_key(value)
    singular = {_singular(k): code for k, code in col.code_map().items()}
    if _singular(key) in singular:
        return singular[_singular(key)], SURE, "singulier/pluriel ou accents"
    w = f" {_singular_words(value)} "
    numbers = _numbers(value)
    for hint_words, code, hint in _hint_index(col):
        if f" {_singular_words(hint_words)} " in w and set(_numbers(hint)) <= set(numbers):
            return code, PROBABLE, f"contient « {hint} »"
    labels = {f"{c.label}": c.code for c in col.codes}
    labels.update({a: c.code for c in col.codes for a in c.aliases})
    choices = {k: words(k) for k in labels if _numbers(k) == numbers}
    found = process.extractOne(words(value), choices, scorer=fuzz.token_set_ratio) if choices else None
    if found and found[1] >= VALUE_THRESHOLD:
        if set(words(value).split()) < set(words(found[2]).split()):
            # The label says more than the value, perhaps the opposite: "Antenne" is no "Fixe avec antenne(s)".
            return None, NONE, f"« {value} » ne dit qu'une partie de « {found[2]} » : à choisir"
        return labels[found[2]], PROBABLE, f"proche de « {found[2]} »"
    if col.own_categories:
        return KEEP, FALLBACK, "catégorie propre à l'enquête, gardée telle quelle"
    if any(c.code == "autre" for c in col.codes):
        return "autre", FALLBACK, "aucune correspondance : « Autre » proposé"
    return None, NONE, "aucune correspondance"


def distinct_parts(col: Column, counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The values of a coded column, each element of a list cell counted apart."""
    if col.type != "codes":
        return counts
    out: dict[str, int] = {}
    for value, n in counts:
        for part in SPLIT_CODES.split(value):
            if part.strip():
                out[part.strip()] = out.get(part.strip(), 0) + n
    return sorted(out.items(), key=lambda kv: -kv[1])


def propose_values(col: Column, counts: list[tuple[str, int]]) -> list[ValueMatch]:
    """A proposal for every value of the file that is not a code, label or alias of the column."""
    known = col.code_map()
    out = []
    for value, n in distinct_parts(col, counts):
        if normalize_key(value) in known:
            continue
        code, certainty, why = propose_value(col, value)
        out.append(ValueMatch(value, n, code, certainty, why))
    return out
