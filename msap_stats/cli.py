"""Command line: the same functions as the dashboard.

    python -m msap_stats demo [--db PATH] [--seed N]
    python -m msap_stats import FILE --kind KIND [--db PATH] [--replace]
    python -m msap_stats imports [--db PATH]
    python -m msap_stats rollback IMPORT_ID [--db PATH]
    python -m msap_stats indicators [--db PATH] [--region CODE] [--departement CODE] [--debut YYYY-MM] [--fin YYYY-MM]
    python -m msap_stats template KIND FILE.xlsx
    python -m msap_stats formats

Exit status: 0 done (or file already there), 1 refused or impossible (French
message on stderr, nothing written), 2 bad command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from pathlib import Path

from . import demo, docs, indicators, templates
from .errors import ImportRefused
from .fmt import nombre
from .importer import import_file, rollback
from .schema import KINDS
from .store import StoreError, connect, default_db_path, list_imports


class FrenchParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own messages are in English
        self.print_usage(sys.stderr)
        sys.stderr.write(f"Commande incorrecte : {message}\n")
        sys.exit(2)


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"mois attendu au format AAAA-MM, reçu « {value} »")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = FrenchParser(prog="python -m msap_stats", description="Évaluation des Maisons de services au public.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=FrenchParser)

    def with_db(sp):
        sp.add_argument("--db", type=Path, default=None,
                        help=f"base DuckDB (par défaut $MSAP_DB ou {default_db_path()})")
        return sp

    d = with_db(sub.add_parser("demo", help="construire la base de démonstration (février 2017)"))
    d.add_argument("--seed", type=int, default=42, help="graine du générateur (42)")
    d.add_argument("--force", action="store_true", help="remplacer une base qui contient des données réelles")

    i = with_db(sub.add_parser("import", help="importer un fichier (CSV, XLSX, XLS, ODS)"))
    i.add_argument("file", type=Path)
    i.add_argument("--kind", required=True, choices=list(KINDS))
    i.add_argument("--replace", action="store_true",
                   help="remplacer les lignes déjà chargées pour les mêmes clés (conservées dans l'historique)")
    i.add_argument("--auteur", default=None, help="nom de la personne qui importe")

    with_db(sub.add_parser("imports", help="lister les imports"))
    r = with_db(sub.add_parser("rollback", help="annuler un import"))
    r.add_argument("import_id", type=int)

    ind = with_db(sub.add_parser("indicators", help="calculer les indicateurs (JSON)"))
    ind.add_argument("--region", action="append", default=[], help="code de région (répétable)")
    ind.add_argument("--departement", action="append", default=[], help="code de département (répétable)")
    ind.add_argument("--format", action="append", default=[], dest="formats", help="format de Maison (répétable)")
    ind.add_argument("--porteur", action="append", default=[], help="structure porteuse (répétable)")
    ind.add_argument("--debut", type=_month, help="premier mois AAAA-MM")
    ind.add_argument("--fin", type=_month, help="dernier mois AAAA-MM")

    t = sub.add_parser("template", help="écrire le modèle XLSX d'un type de fichier")
    t.add_argument("kind", choices=list(KINDS))
    t.add_argument("output", type=Path)
    sub.add_parser("formats", help="afficher la documentation des formats (Markdown)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ImportRefused, StoreError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu : rien n'a été écrit pour l'opération en cours.\n")
        return 1
    except Exception as exc:  # a bug of ours: say so in French, without a traceback for the user
        if os.environ.get("MSAP_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(f"Erreur interne ({type(exc).__name__}) : {exc}\nRien n'a été écrit. "
                         "Relancez avec MSAP_DEBUG=1 pour le détail technique.\n")
        return 1


def _demo(args) -> int:
    path = args.db or default_db_path()
    counts = demo.build(path, seed=args.seed, force=args.force)
    detail = ", ".join(f"{KINDS[k].label.lower()} : {nombre(n)}" for k, n in counts.items())
    print(f"Base de démonstration ({demo.REFERENCE}, graine {args.seed}) écrite dans {path} — {detail}.")
    return 0


def _import(args) -> int:
    con = connect(args.db)
    try:
        result = import_file(con, args.file, args.kind, replace=args.replace, auteur=args.auteur)
    finally:
        con.close()
    print(result.message())
    return 0


def _imports(args) -> int:
    con = connect(args.db)
    try:
        df = list_imports(con)
    finally:
        con.close()
    if df.empty:
        print("Aucun import.")
        return 0
    for r in df.itertuples():
        demo_tag = " [démonstration]" if r.demo else ""
        print(f"n°{r.import_id}\t{r.kind}\t{r.statut}\t{r.lignes_chargees} lignes\t{r.date_import:%d/%m/%Y %H:%M}\t"
              f"{r.auteur}\t{r.fichier}{demo_tag}\tsha256:{r.sha256[:12]}")
    return 0


def _rollback(args) -> int:
    con = connect(args.db)
    try:
        print(rollback(con, args.import_id))
    finally:
        con.close()
    return 0


def _indicators(args) -> int:
    f = indicators.Filters(regions=tuple(args.region), departements=tuple(args.departement), debut=args.debut,
                           fin=args.fin, formats=tuple(args.formats), porteurs=tuple(args.porteur))
    con = connect(args.db, read_only=True)
    try:
        result = indicators.all_indicators(con, f)
    finally:
        con.close()
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _template(args) -> int:
    templates.write_template(args.kind, args.output)
    print(f"Modèle « {KINDS[args.kind].label} » écrit dans {args.output}.")
    return 0


def _formats(args) -> int:
    sys.stdout.write(docs.formats_markdown())
    return 0


COMMANDS = {"demo": _demo, "import": _import, "imports": _imports, "rollback": _rollback,
            "indicators": _indicators, "template": _template, "formats": _formats}
