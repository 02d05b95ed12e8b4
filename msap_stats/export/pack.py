"""The "En bref" pack for the current filters: a PDF note, each chart as PNG and SVG, the tables behind
them as one workbook, and a LISEZMOI; as a .zip and as files.

The page and the command line build it through ``build``: same filters, same files, same numbers.
"""

from __future__ import annotations

import re
import shlex
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path

from .. import indicators as ind
from ..charts import common, overview
from ..charts.figures import Chart
from ..fmt import NNBSP, compte, jour, nombre
from ..indicators import FILTER_PARAMS, Filters
from ..schema import KINDS
from ..store import data_version, db_file, list_imports
from ..survey.design import MIN_CLUSTERS, MIN_N, MIN_N_EFF
from . import catalogue, document, images, tables
from .note import COLOPHON, Note, proposed

INTRO_FIGURES = 3  # the key figures the proposed introduction says in words
MAX_CHARTS = 6  # the proposed note's charts, the evolutions apart
SURVEYS = ("usagers", "agents", "habitants")
ANCT_LIST = re.compile(r"(liste[-_]fs|france[-_]services).*?\d{8}", re.IGNORECASE)  # a list as the ANCT names it


CHANGE_METHOD = (
    "Évolution : chaque chiffre d'enquête est calculé sur une seule vague, avec son plan de sondage ; l'écart entre "
    "deux vagues est testé avec les Maisons (les départements pour les habitants) comme grappes sur les deux vagues "
    "(une Maison interrogée deux fois est une seule grappe), loi de Student sur le nombre de grappes moins deux, "
    "correction de Holm sur les chiffres d'un graphique. Le réseau est comparé d'une liste des Maisons à l'autre ; "
    "l'activité, mois par mois sur les Maisons qui ont déclaré les deux années, sans test.")


@dataclass
class Block:
    """A section as printed: a chart with its heading and text, or a box (``chart`` None)."""

    nom: str
    titre: str
    texte: str | None
    chart: Chart | None = None
    partie: str = ""  # the part it opens (« Évolution »), printed above it

    def printed(self, image: str | None) -> dict:
        c = self.chart
        return {"type": "encadre" if c is None else "graphique", "titre": self.titre, "texte": self.texte or "",
                "base": c.base if c else "", "source": c.source if c else "", "image": image or "",
                "partie": self.partie}


class EmptyPerimeter(ValueError):
    """No Maison in the perimeter: nothing to publish."""


@dataclass
class Pack:
    files: dict[str, bytes]          # path inside the pack -> content
    dossier: str                     # the pack's folder and .zip name, without extension
    charts: list[tuple[str, Chart]]
    absents: list[str]
    seconds: float = 0.0
    zip_bytes: bytes = field(default=b"", repr=False)

    @property
    def zip_name(self) -> str:
        return f"{self.dossier}.zip"


def slug(text: str) -> str:
    text = text.lower()
    for a, b in (("àâä", "a"), ("éèêë", "e"), ("îï", "i"), ("ôö", "o"), ("ùûü", "u"), ("ç", "c")):
        text = re.sub(f"[{a}]", b, text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "pack"


def command(f: Filters, db: Path | None = None, note: str = "") -> str:
    """The command line that rebuilds the pack for these filters (or this saved note), from the same store."""
    words = ["python -m msap_stats export", *([f"--db {shlex.quote(str(db))}"] if db else []), "--out DOSSIER"]
    if note:
        return " ".join([*words, f"--note {shlex.quote(note)}"])
    for attr, param in FILTER_PARAMS.items():
        words += [f"--{param} {shlex.quote(str(v))}" for v in getattr(f, attr)]
    words += [f"--debut {f.debut}"] * bool(f.debut) + [f"--fin {f.fin}"] * bool(f.fin)
    words += [f"--date {f.date_reseau}"] * bool(f.date_reseau) + [f"--vague {shlex.quote(f.vague)}"] * bool(f.vague)
    return " ".join(words)


def compose(con, note: Note) -> tuple[list[Block], list[str]]:
    """The note's sections as printed, and the charts left out with why. A chart with nothing to show, mostly
    without figures, or a map and a bar of régions with one shape or bar, is left out and said; the proposed note
    holds at most six charts besides the evolutions, and says nothing of an evolution the store cannot make."""
    f = note.filters
    blocks, absents, charts = [], [], 0
    single = {catalogue.BY_KEY["densite"].view: len(ind.maisons_summary(con, f)["par_departement"]) < 2,
              catalogue.BY_KEY["regions"].view: len(ind.regions_table(con, f)) < 2}
    for s in note.sections:
        if s.piece is None:
            blocks.append(Block("Encadré", s.titre, s.texte))
            continue
        piece = catalogue.BY_KEY[s.piece]
        change = piece.key in catalogue.EVOLUTION
        if note.proposee and (charts == MAX_CHARTS and not change or single.get(piece.view)):
            continue  # one bar or one shape says nothing a key figure does not
        result = f"{piece.nom} : une seule forme à dessiner dans ce périmètre" if single.get(piece.view) else \
            catalogue.printable_or_why(piece, con, f)
        if isinstance(result, str):
            if result not in absents and not (note.proposee and change):
                absents.append(result)
            continue
        opens = "Évolution" if piece.page == "Évolution" and not any(b.partie for b in blocks) else ""
        blocks.append(Block(piece.nom, s.titre or piece.nom, s.texte or result.titre, result, opens))
        charts += not change
    if common.NO_SURVEYS in absents:  # no survey at all says it for each survey
        absents = [a for a in absents if not a.startswith(common.NO_ANSWER)]
    return blocks, absents


def columns(n: int) -> int:
    """Columns of the key figures such that no row holds a card alone (unless there is one card)."""
    if n <= 1:
        return 1
    return next((c for c in (3, 4, 2) if n % c == 0), None) or next(c for c in (3, 4, 2) if n % c != 1)


def introduction(con, f: Filters) -> str:
    """The introduction proposed: what the perimeter counts, from the key figures."""
    said = [f"{k.valeur} {k.texte}" for k in overview.key_figures(con, f) if k.source and k.valeur != "–"][:INTRO_FIGURES]
    return f"{common.perimetre(f)}, {common.periode(con, f)} : " + " ; ".join(said) + "." if said else ""


def _weights_said(s: dict) -> str:
    """The weighting and design a survey's figures rest on, as the pack's methodology says it."""
    design = ""
    if s["strates"] > 1:
        design = f" ; tirage stratifié ({nombre(s['strates'])} strates)" + (
            ", avec correction de population finie" if s["fpc"] else "")
    elif s["fpc"]:
        design = " ; correction de population finie"
    if s["redressement"]:
        said = " ; ".join(f"{r['sur']} ({r['source']}" + (f", borne {nombre(r['borne'], 2)}" if r["borne"] else "")
                          + ")" for r in s["redressement"])
        base = "poids du fichier" if s["pondere"] else "sans poids dans le fichier"
        return f"réponses redressées par calage sur marges : {said} ({base}){design}."
    if s["pondere"]:
        return f"réponses pondérées (poids de redressement du fichier){design}."
    return f"réponses non pondérées (le fichier ne donne pas de poids){design}."


def methodology(con, f: Filters, periode: str) -> list[str]:
    lines = []
    for kind in SURVEYS:
        s = ind.survey_summary(con, kind, f)
        if not s["n"]:
            continue
        wave = ("" if s["vagues"] < 2 else f", vague {s['vague']} (sur {s['vagues']})" if s["vague"]
                else f", {s['vagues']} vagues regroupées")
        lines.append(f"{KINDS[kind].label}{wave} : {compte(s['n'], 'réponse')}, du {jour(s['debut'])} au "
                     f"{jour(s['fin'])}, "
                     f"dans {compte(s['grappes'], s['unite'][:-1], s['unite'])} ; " + _weights_said(s))
    if lines:
        lines += [
            "Un pourcentage est la part pondérée des réponses parmi les personnes qui ont répondu à la question. "
            f"Intervalles de confiance à 95{NNBSP}% tenant compte du plan de sondage : les réponses sont groupées par "
            "Maison (par département pour les habitants), variance par linéarisation de Taylor, intervalle de "
            "Korn et Graubard.",
            f"Aucun chiffre n'est donné sous {MIN_N} réponses (« effectif insuffisant »), sous une taille "
            f"effective de {MIN_N_EFF} (« précision insuffisante » : la taille effective tient compte des grappes et "
            f"des degrés de liberté, elle est à peu près divisée par deux à 5 Maisons) ou sur moins de "
            f"{MIN_CLUSTERS} Maisons, que l'enquête en compte une, deux ou quatre ; les tableaux donnent, pour chaque "
            f"case, sa taille effective, ses grappes et la raison d'une case sans chiffre. À 0{NNBSP}% et "
            f"100{NNBSP}%, le chiffre est donné sans intervalle (variance nulle entre grappes). Un écart signalé est "
            f"significatif au seuil de 5{NNBSP}% après correction de Holm sur toutes les cases du graphique ; les "
            "effets vus par les trois publics sont comparés par un test (Wald, échantillons indépendants).",
        ]
    else:
        lines.append("Aucune réponse d'enquête dans ce périmètre : la note ne présente que le registre des "
                     "Maisons et, s'il y en a, les demandes traitées.")
    lines.append(f"Période : {periode}. Les enquêtes et les demandes suivent la période choisie ; "
                 "le registre des Maisons compte toutes les Maisons du périmètre.")
    return lines


def sources(con) -> list[str]:
    found = ind.imports_in_force(con)
    if len(found) and found["demo"].all():
        return ["Données de démonstration construites par msap-stats (synthétiques)."]
    lines = []
    for kind, rows in found.groupby("kind", sort=False):
        files = ", ".join(f"« {r.fichier} » (importé le {r.date_import:%d/%m/%Y})" for r in rows.itertuples())
        lines.append(f"{KINDS[kind].source_label} : {files}.")
        for r in rows.itertuples():
            if kind == "maisons" and ANCT_LIST.search(r.fichier):
                lines.append(f"Liste des structures France services publiée par l'ANCT (données du "
                             f"{jour(r.date_version)}), "
                             "Licence Ouverte / Open Licence 2.0, data.gouv.fr.")
    lines.append("Population municipale : INSEE.")
    return lines


def data_said(con) -> str:
    df = list_imports(con)
    if df.empty:
        return "aucun import"
    last = df.iloc[-1]
    said = f"dernier import n°{int(last['import_id'])} du {last['date_import']:%d/%m/%Y à %H:%M}"
    cancelled = df.dropna(subset=["date_annulation"])
    if len(cancelled):  # the latest change may be a rollback
        undone = cancelled.sort_values("date_annulation").iloc[-1]
        if undone["date_annulation"] >= last["date_import"]:
            said += (f", import n°{int(undone['import_id'])} annulé le "
                     f"{undone['date_annulation']:%d/%m/%Y à %H:%M}")
    return said


def readme(pack: Pack, f: Filters, context: list[str], version: str, db: Path | None = None, note: str = "") -> str:
    lines = [f"Dossier « En bref » — {pack.dossier}", "", *context, f"Données : {version}.", "",
             "Fichiers :", "  en-bref.pdf          la note (A4), avec sa méthodologie",
             "  tableaux.xlsx        les tableaux des graphiques, une feuille par graphique"]
    for i, (nom, _) in enumerate(pack.charts, start=1):
        lines.append(f"  graphiques/{i:02d}-{slug(nom)}.png / .svg   {nom}")
    lines += ["  LISEZMOI.txt         ce fichier", ""]
    if pack.absents:
        lines += ["Absent de ce périmètre :", *[f"  - {a}" for a in pack.absents], ""]
    lines += ["Pour reconstruire ce dossier :", f"  {command(f, db, note)}", ""]
    return "\r\n".join(lines)


def build(con, f: Filters, today: date | None = None, note: Note | None = None) -> Pack:
    """The whole pack for the filters ``f``: the note composed (``note``, whose filters then rule) or proposed."""
    start = time.perf_counter()
    note = note or proposed(f)
    f = note.filters
    if not ind.maisons_summary(con, f)["total"]:
        raise EmptyPerimeter("Aucune Maison dans ce périmètre : rien à publier. Élargissez les filtres ou "
                             "importez le registre des Maisons.")
    today = today or date.today()
    perimetre, periode = common.perimetre(f), common.periode(con, f)
    blocks, absents = compose(con, note)
    drawn = [(b.nom, b.chart) for b in blocks if b.chart is not None]
    demo = bool(ind.is_demo(con))
    context = [f"Périmètre : {perimetre}", f"Période : {periode}", f"Édité le {jour(today)} avec msap-stats"]
    named = f"{slug(note.nom)}_" if note.nom else ""
    pack = Pack({}, f"en-bref_{named}{slug(perimetre)}_{today:%Y-%m-%d}", drawn, absents)
    svgs, where, printed = {}, f"{perimetre} · {periode}", []
    for block in blocks:
        image = None
        if block.chart is not None:
            i = len(svgs) + 1
            stem = f"graphiques/{i:02d}-{slug(block.nom)}"
            pack.files[f"{stem}.png"] = images.png(block.chart, where)
            pack.files[f"{stem}.svg"] = images.svg(block.chart, where)
            image = f"graphique-{i}.svg"
            svgs[image] = images.print_svg(block.chart)
        printed.append(block.printed(image))
    figures = [{"valeur": k.valeur, "texte": k.texte, "detail": k.detail}
               for k in overview.key_figures(con, f) if k.source]  # figures with no data at all: in "absents"
    changes = any(b.partie for b in blocks)
    colophon = [[label, note.colophon[k]] for k, label in COLOPHON.items() if note.colophon.get(k)]
    data = {
        "titre": note.titre or f"Les {common.network_name(con, f)}", "sous_titre": note.sous_titre or "",
        "introduction": note.introduction or introduction(con, f), "perimetre": perimetre, "periode": periode,
        "date": note.colophon.get("date") or jour(today), "jour_iso": today.isoformat(),
        "collection": "En bref" + (f" n°{note.colophon['numero']}" if note.colophon.get("numero") else "")
                      + " — évaluation du réseau, msap-stats",
        "pied": f"En bref — {perimetre} — {note.colophon.get('date') or jour(today)}", "demo": demo,
        "avertissement_demo": common.DEMO_NOTICE, "chiffres": figures, "colonnes": columns(len(figures)),
        "sections": printed, "absents": absents, "colophon": colophon,
        "sources": [*sources(con), f"Données : {data_said(con)}" + (
            " (la note a été composée sur des données antérieures ; ses chiffres suivent celles-ci)."
            if note.version and note.version != data_version(con) else ".")],
        "methodologie": methodology(con, f, periode) + ([CHANGE_METHOD] if changes else []),
    }
    pack.files["en-bref.pdf"] = document.pdf(data, svgs)
    pack.files["tableaux.xlsx"] = tables.workbook(drawn, context)
    pack.files["LISEZMOI.txt"] = readme(pack, f, context, data_said(con), db_file(con), note.nom).encode("utf-8")
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in sorted(pack.files.items()):
            z.writestr(f"{pack.dossier}/{name}", content)
    pack.zip_bytes = out.getvalue()
    pack.seconds = time.perf_counter() - start
    return pack
