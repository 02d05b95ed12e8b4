"""Refusals of a user's file, told in French with the place of each problem.

Every problem is kept (up to a bound that protects memory), grouped by kind of
problem for the screen, and listed whole in the .xlsx report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fmt import cell, printable

MAX_KEPT = 200_000  # problems kept in memory for the full report; beyond, they are counted only
SHOWN_PER_GROUP = 10  # lines of each kind of problem in the text report


@dataclass(frozen=True)
class Problem:
    raison: str
    ligne: int | None = None  # the row number as the user sees it in the spreadsheet
    colonne: str | None = None  # the header as written in the file
    valeur: str | None = None
    feuille: str | None = None

    def place(self) -> str:
        """« feuille « Mars », ligne 4, colonne « nb », valeur « x » »: where the problem is, from the file's text
        (its control characters shown, never acted)."""
        place = []
        if self.feuille:
            place.append(f"feuille « {cell(self.feuille)} »")
        if self.ligne is not None:
            place.append(f"ligne {self.ligne}")
        if self.colonne:
            place.append(f"colonne « {cell(self.colonne)} »")
        if self.valeur is not None:
            place.append(f"valeur « {cell(self.valeur)} »")
        return ", ".join(place)

    def text(self) -> str:
        """One line: where, then why."""
        where = self.place()
        return f"{where[:1].upper()}{where[1:]} : {self.raison}" if where else self.raison


@dataclass(frozen=True)
class Group:
    raison: str
    colonne: str | None
    total: int
    problems: list[Problem]  # the first ones, in row order


class ImportRefused(Exception):
    """A file refused whole: nothing was written."""

    def __init__(self, problems: list[Problem], total: int | None = None, fichier: str | None = None,
                 suggestions: list[str] | None = None):
        self.problems = list(problems)[:MAX_KEPT]
        self.total = total if total is not None else len(problems)
        self.fichier = fichier
        self.suggestions = list(suggestions or [])  # what the assistant proposes to resolve the file
        super().__init__()

    def __reduce__(self):  # sent back whole from the process that reads a file (``intake.sandbox``)
        return ImportRefused, (self.problems, self.total, self.fichier, self.suggestions)

    def __str__(self) -> str:
        return self.report()

    def groups(self) -> list[Group]:
        """Problems of the same kind (reason and column) together, the largest kinds first."""
        found: dict[tuple, list[Problem]] = {}
        for p in self.problems:
            found.setdefault((p.raison, p.colonne), []).append(p)
        groups = [Group(r, c, len(ps), ps) for (r, c), ps in found.items()]
        return sorted(groups, key=lambda g: (-g.total, g.problems[0].ligne or 0))

    def report(self, shown: int = SHOWN_PER_GROUP) -> str:
        name = f"Le fichier « {printable(self.fichier)} »" if self.fichier else "Le fichier"
        count = "1 problème" if self.total == 1 else f"{self.total} problèmes"
        lines = [f"{name} est refusé ({count}) ; rien n'a été enregistré."]
        groups = self.groups()
        for g in groups:
            if g.total > 1:
                where = f"colonne « {cell(g.colonne)} » : " if g.colonne else ""
                lines.append(f"{g.total} × {where}{g.raison}")
            lines += [f"- {p.text()}" for p in g.problems[:shown]]
            if g.total > shown:
                lines.append(f"  … et {g.total - shown} autre(s) ligne(s) de ce type.")
        unkept = self.total - len(self.problems)
        if unkept > 0:
            lines.append(f"… et {unkept} autre(s) problème(s) au-delà des {MAX_KEPT} gardés pour le rapport.")
        if self.suggestions:
            lines.append("Suggestions de l'assistant :")
            lines += [f"  {s}" for s in self.suggestions]
        return "\n".join(lines)


def refuse(raison: str, fichier: str | None = None, **where) -> ImportRefused:
    return ImportRefused([Problem(raison, **where)], fichier=fichier)
