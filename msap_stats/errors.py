"""Refusals of a user's file, told in French with the place of each problem."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED = 50


@dataclass(frozen=True)
class Problem:
    raison: str
    ligne: int | None = None  # the row number as the user sees it in the spreadsheet
    colonne: str | None = None  # the header as written in the file
    valeur: str | None = None

    def text(self) -> str:
        place = []
        if self.ligne is not None:
            place.append(f"ligne {self.ligne}")
        if self.colonne:
            place.append(f"colonne « {self.colonne} »")
        if self.valeur is not None:
            shown = self.valeur if len(self.valeur) <= 60 else self.valeur[:57] + "…"
            place.append(f"valeur « {shown} »")
        where = ", ".join(place)
        return f"{where[:1].upper()}{where[1:]} : {self.raison}" if where else self.raison


class ImportRefused(Exception):
    """A file refused whole: nothing was written."""

    def __init__(self, problems: list[Problem], total: int | None = None, fichier: str | None = None):
        self.problems = list(problems)[:MAX_LISTED]
        self.total = total if total is not None else len(problems)
        self.fichier = fichier
        super().__init__()

    def __str__(self) -> str:
        return self.report()

    def report(self) -> str:
        name = f"Le fichier « {self.fichier} »" if self.fichier else "Le fichier"
        count = "1 problème" if self.total == 1 else f"{self.total} problèmes"
        lines = [f"{name} est refusé ({count}) ; rien n'a été enregistré."]
        lines += [f"- {p.text()}" for p in self.problems]
        rest = self.total - len(self.problems)
        if rest > 0:
            lines.append(f"… et {rest} autre{'s' if rest > 1 else ''} problème{'s' if rest > 1 else ''} non listé{'s' if rest > 1 else ''}.")
        return "\n".join(lines)


def refuse(raison: str, fichier: str | None = None, **where) -> ImportRefused:
    return ImportRefused([Problem(raison, **where)], fichier=fichier)
