"""Command line: the same functions as the dashboard.

    python -m msap_stats demo [--db PATH] [--seed N]
    python -m msap_stats inspect FILE --kind KIND [--maison ID] [--profile NAME] [--accept-suggestions] [--json]
    python -m msap_stats import FILE --kind KIND [--db PATH] [--replace] [--maison ID] [--profile NAME]
                                     [--accept-suggestions] [--save-profile NAME] [--rapport PROBLEMES.xlsx]
    python -m msap_stats profiles [list | delete NAME | rename OLD NEW]
    python -m msap_stats imports [--db PATH]
    python -m msap_stats rollback IMPORT_ID [--db PATH]
    python -m msap_stats backup DESTINATION.duckdb [--db PATH]
    python -m msap_stats roles [list | add EMAIL lecteur|coordinateur|admin [--region CODE] | remove EMAIL]
    python -m msap_stats audit [--csv FILE]
    python -m msap_stats indicators [--db PATH] [--region CODE] [--departement CODE] [--debut YYYY-MM] [--fin YYYY-MM]
                                    [--date AAAA-MM-JJ]
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
from contextlib import closing
from pathlib import Path

from . import files
from .errors import ImportRefused
from .fmt import cell, nombre, printable, quoted_list, terminal
from .intake.guard import UserFile, display_name
from .intake.importer import import_file, rollback
from .intake import assistant, profiles
from .intake.profiles import Choices
from .intake.versions import given_date
from .schema import KINDS
from .store import StoreError, backup, default_db_path, empty, list_imports, reader, writing


class FrenchParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own messages are in English
        self.print_usage(sys.stderr)
        sys.stderr.write(f"Commande incorrecte : {message}\n")
        sys.exit(2)


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"mois attendu au format AAAA-MM, reçu « {value} »")
    return value


def _day(value: str) -> str:
    try:
        return str(given_date(value))
    except ImportRefused as exc:
        raise argparse.ArgumentTypeError(exc.problems[0].raison) from exc


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

    def assistant_options(sp):
        sp.add_argument("file", type=Path)
        sp.add_argument("--kind", required=True, choices=list(KINDS))
        sp.add_argument("--maison", default=None, help="la Maison d'un fichier qui n'a pas de colonne Maison")
        sp.add_argument("--profile", default=None, help="appliquer ce profil de source")
        sp.add_argument("--accept-suggestions", action="store_true",
                        help="appliquer aussi les correspondances probables proposées par l'assistant")
        sp.add_argument("--date", type=_day, default=None, dest="date_version",
                        help="la date de cette version du registre (AAAA-MM-JJ) ; sinon celle du nom du fichier, "
                             "de sa colonne « date de la liste » ou sa dernière labellisation")
        sp.add_argument("--vague", default=None, metavar="LIBELLÉ",
                        help="la vague d'enquête de ces réponses (« 2024 ») ; sinon celle de la colonne « vague » du "
                             "fichier, ou déduite des dates des réponses")
        sp.add_argument("--coordonnees-douteuses", choices=["garder", "retirer"], default="garder",
                        help="les coordonnées d'une Maison hors de son département : les garder ou les retirer")
        sp.add_argument("--valeur", action="append", default=[], metavar="COLONNE:VALEUR=CODE",
                        help="la correspondance d'une valeur du fichier (répétable) : thematique:CAF=prestations_sociales, "
                             "id_maison:MSAP-0199=2878")
        return sp

    n = with_db(assistant_options(sub.add_parser(
        "inspect", help="montrer ce que l'assistant lit dans un fichier, sans rien écrire")))
    n.add_argument("--json", action="store_true", help="sortie JSON")

    i = with_db(assistant_options(sub.add_parser("import", help="importer un fichier (CSV, XLSX, XLS, ODS, GeoJSON)")))
    i.add_argument("--replace", action="store_true",
                   help="remplacer les lignes déjà chargées pour les mêmes clés (conservées dans l'historique)")
    i.add_argument("--auteur", default=None, help="nom de la personne qui importe")
    i.add_argument("--save-profile", default=None, metavar="NOM",
                   help="enregistrer la correspondance appliquée comme profil de source")
    i.add_argument("--rapport", type=Path, default=None, metavar="PROBLEMES.xlsx",
                   help="en cas de refus, écrire la liste complète des problèmes dans ce classeur")

    pr = with_db(sub.add_parser("profiles", help="lister, renommer ou supprimer les profils de source"))
    pr.add_argument("action", nargs="?", default="list", choices=["list", "delete", "rename"])
    pr.add_argument("names", nargs="*", help="NOM (delete) ou ANCIEN NOUVEAU (rename)")

    with_db(sub.add_parser("imports", help="lister les imports"))
    r = with_db(sub.add_parser("rollback", help="annuler un import"))
    r.add_argument("import_id", type=int)
    ro = with_db(sub.add_parser("roles", help="lister, accorder ou retirer les rôles (lecteur, coordinateur, admin)"))
    ro.add_argument("action", choices=["list", "add", "remove"])
    ro.add_argument("email", nargs="?")
    ro.add_argument("role", nargs="?", choices=["lecteur", "coordinateur", "admin"])
    ro.add_argument("--region", action="append", default=[], help="région d'un coordinateur (code, répétable)")
    au = with_db(sub.add_parser("audit", help="le journal d'audit : imports, annulations, refus, rôles"))
    au.add_argument("--csv", type=Path, help="écrire le journal dans ce fichier CSV")
    b = with_db(sub.add_parser("backup", help="écrire une copie cohérente de la base, même pendant que le tableau "
                                              "de bord tourne"))
    b.add_argument("destination", type=Path)

    rd = with_db(sub.add_parser("redresser", help="redresser une vague d'enquête sur des marges connues (calage), "
                                                   "retirer ou rétablir un redressement"))
    rd.add_argument("--kind", choices=["usagers", "agents", "habitants"], help="l'enquête")
    rd.add_argument("--marges", type=Path, metavar="FICHIER",
                    help="fichier CSV ou XLSX « variable ; modalite ; part » (parts en %% par variable)")
    rd.add_argument("--source", choices=["activite", "registre"],
                    help="marges tirées de la base : l'activité des Maisons enquêtées (sexe, tranche_age) ou le "
                         "registre (format, code_region, code_departement)")
    rd.add_argument("--variable", action="append", default=[], help="variable des marges tirées de la base (répétable)")
    rd.add_argument("--vague", default=None, help="la vague (par défaut : la plus récente)")
    rd.add_argument("--borne", type=float, default=None, metavar="R",
                    help="chaque poids redressé reste entre 1/R et R fois le poids du fichier")
    rd.add_argument("--retirer", action="store_true", help="retirer le redressement en vigueur de la vague")
    rd.add_argument("--retablir", type=int, metavar="N", help="rétablir le redressement n°N")
    rd.add_argument("--liste", action="store_true", help="lister les redressements")
    rd.add_argument("--json", action="store_true", help="le rapport en JSON")

    filter_options(with_db(sub.add_parser("indicators", help="calculer les indicateurs (JSON)")))
    ev = filter_options(with_db(sub.add_parser("evolution", help="l'évolution des chiffres d'une enquête entre deux "
                                                                   "vagues, et son test (JSON)")))
    ev.add_argument("--kind", required=True, choices=["usagers", "agents", "habitants", "maisons", "activite"])
    ev.add_argument("--de", default=None, metavar="VAGUE|DATE",
                    help="la vague de départ (par défaut : l'avant-dernière) ; pour les Maisons, une date AAAA-MM-JJ "
                         "(par défaut : celle de l'avant-dernière version du registre)")
    ev.add_argument("--a", default=None, metavar="VAGUE|DATE",
                    help="la vague d'arrivée (par défaut : la plus récente) ; pour les Maisons, une date")
    ev.add_argument("--json", action="store_true", help="(la sortie est toujours du JSON)")
    e = filter_options(with_db(sub.add_parser(
        "export", help="écrire le dossier « En bref » (PDF, images, tableaux) pour un périmètre")))
    e.add_argument("--out", type=Path, required=True, help="dossier où écrire le .zip et ses fichiers")
    e.add_argument("--force", action="store_true", help="remplacer un dossier « En bref » déjà écrit sous ce nom")
    e.add_argument("--note", default=None, metavar="NOM",
                   help="reconstruire la note enregistrée sous ce nom (ses filtres, ses textes, ses graphiques)")
    no = with_db(sub.add_parser("notes", help="lister, dupliquer ou supprimer les notes « En bref » enregistrées"))
    no.add_argument("action", nargs="?", default="list", choices=["list", "duplicate", "delete"])
    no.add_argument("names", nargs="*", help="NOM (delete) ou NOM NOUVEAU (duplicate, pour le périmètre des "
                                             "options de filtre)")
    filter_options(no)

    t = sub.add_parser("template", help="écrire le modèle XLSX d'un type de fichier")
    t.add_argument("kind", choices=list(KINDS))
    t.add_argument("output", type=Path)
    t.add_argument("--force", action="store_true", help="remplacer un fichier existant")
    sub.add_parser("formats", help="afficher la documentation des formats (Markdown)")
    return p


FILTER_HELP = {"regions": "code de région", "departements": "code de département", "formats": "format de Maison",
               "porteurs": "structure porteuse"}


def filter_options(parser):
    """The dashboard's filters, as options named as in its URLs (--region 76, --format bus…)."""
    from .perimetre import FILTER_PARAMS

    for attr, param in FILTER_PARAMS.items():
        parser.add_argument(f"--{param}", action="append", default=[], dest=attr, help=f"{FILTER_HELP[attr]} (répétable)")
    parser.add_argument("--debut", type=_month, help="premier mois AAAA-MM")
    parser.add_argument("--fin", type=_month, help="dernier mois AAAA-MM")
    parser.add_argument("--date", type=_day, dest="date_reseau",
                        help="le réseau de Maisons en vigueur à cette date AAAA-MM-JJ (par défaut : le plus récent)")
    parser.add_argument("--vague", default=None, metavar="LIBELLÉ",
                        help="la vague d'enquête des chiffres (par défaut : la plus récente ; « toutes » les "
                             "regroupe)")
    return parser


def _filters(args):
    from .perimetre import FILTER_PARAMS, Filters

    return Filters(debut=args.debut, fin=args.fin, date_reseau=args.date_reseau, vague=args.vague,
                   **{attr: tuple(getattr(args, attr)) for attr in FILTER_PARAMS})


class _Terminal:
    """stdout and stderr of the command line: text from users' files never drives the terminal."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Terminal(sys.stdout), _Terminal(sys.stderr)
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = streams


def _run(args) -> int:
    try:
        return COMMANDS[args.command](args)
    except (ImportRefused, StoreError, files.WriteRefused) as exc:
        sys.stderr.write(f"{exc}\n")
        if getattr(args, "json", False):  # a refusal is an answer too, for whoever reads the JSON
            problems = [p.text() for p in exc.problems] if isinstance(exc, ImportRefused) else []
            print(json.dumps({"refus": str(exc), "problemes": problems}, ensure_ascii=False))
        return 1
    except BrokenPipeError:  # the reader went away (… | head): stop quietly, as any command of the shell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
        return 141
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
    from . import demo

    path = args.db or default_db_path()
    counts = demo.build(path, seed=args.seed, force=args.force)
    detail = ", ".join(f"{KINDS[k].label.lower()} : {nombre(n)}" for k, n in counts.items())
    print(f"Base de démonstration ({demo.REFERENCE}, graine {args.seed}) écrite dans {path} — {detail}.")
    return 0


def _choices(args) -> Choices | None:
    """--maison and --valeur, as the page's choices."""
    k = KINDS[args.kind]
    valeurs: dict[str, dict[str, str]] = {}
    for given in args.valeur:
        column, sep, rest = given.partition(":")
        value, eq, code = rest.rpartition("=")
        if not sep or not eq or not value:
            raise StoreError(f"--valeur « {cell(given)} » : écrivez COLONNE:VALEUR=CODE (ex. thematique:CAF=prestations_sociales).")
        col = next((c for c in k.columns if c.name == column), None)
        if col is None or not (col.coded or col.maison_ref):
            raise StoreError(f"--valeur : « {cell(column)} » n'est pas une colonne codée d'un fichier « {k.label} » "
                             f"({', '.join(c.name for c in k.columns if c.coded or c.maison_ref)}).")
        if col.coded and code not in {c.code for c in col.codes}:
            raise StoreError(f"--valeur : « {cell(code)} » n'est pas un code de « {column} » "
                             f"({', '.join(c.code for c in col.codes)}).")
        valeurs.setdefault(column, {})[value] = code
    drop = args.coordonnees_douteuses == "retirer"
    if not valeurs and not args.maison and not drop and not args.date_version and not args.vague:
        return None
    return Choices(valeurs=valeurs, maison=args.maison, drop_misplaced=drop, date_version=args.date_version,
                   vague=args.vague)


def _inspect(args) -> int:
    """The assistant's findings; it writes nothing, and needs no store (without one, against an empty registry).
    With --json, a refusal of the file is JSON too."""
    try:
        data = UserFile.open(args.file)  # a CSV is read as a stream, never held whole
        exists = Path(args.db or default_db_path()).exists()
        if not exists and not args.json:
            sys.stdout.write("Aucune base à cet endroit : le fichier est examiné seul, sans registre des Maisons.\n")
        with closing(reader(args.db) if exists else empty()) as con:
            insp = assistant.inspect(con, data, display_name(args.file), args.kind, choices=_choices(args),
                                     profile=args.profile, accept_suggestions=args.accept_suggestions)
    except (ImportRefused, StoreError) as exc:
        if not args.json:
            raise
        refused = exc if isinstance(exc, ImportRefused) else None
        json.dump({"erreur": str(exc), "problemes": [p.text() for p in refused.problems] if refused else []},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 1
    if args.json:
        json.dump(insp.as_dict(), sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(describe(insp))
    return 0


SHOWN_UNMATCHED = 20  # beyond, the columns without a match are summed up in one line


def describe(insp) -> str:
    """The assistant's findings for a terminal."""
    d = insp.as_dict()
    out = [f"Fichier « {insp.fichier} » ({insp.kind.label})", *[f"  {n}" for n in d["mise_en_page"]["notes"]]]
    if d["profil"]:
        out.append(f"Profil de source appliqué : « {d['profil']} »")
    out.append("Colonnes (fichier → projet, certitude, appliquée) :")
    unmatched = [c["fichier"] for c in d["colonnes"] if not c["proposee"]]
    for c in d["colonnes"]:
        if c["proposee"] or len(unmatched) <= SHOWN_UNMATCHED:
            applied = "oui" if c["appliquee"] else "non"
            out.append(f"  « {cell(c['fichier'])} » → {c['proposee'] or '—'} [{c['certitude']}, appliquée : {applied}] "
                       f"{c['raison']}")
    if len(unmatched) > SHOWN_UNMATCHED:
        out.append(f"  {nombre(len(unmatched))} colonnes sans correspondance, ignorées : {quoted_list(unmatched)}")
    for col, reading in d["lectures"].items():
        out.append(f"  « {cell(insp.mapping.get(col, col))} » lue comme {reading}")
    for col, values in d["valeurs"].items():
        if values:
            out.append(f"Valeurs de « {col} » à faire correspondre :")
            for v in values:
                out.append(f"  « {cell(v['valeur'])} » ({v['lignes']} ligne(s)) → {v['proposee'] or '—'} "
                           f"[{v['certitude']}, appliquée : {v['appliquee'] or 'non'}] {v['raison']}")
    if d["maison"]["requise"]:
        p = d["maison"]["proposee"]
        out.append(f"Maison du fichier : {d['maison']['choisie'] or 'à choisir (--maison ID)'}"
                   + (f" ; proposée : {p['id_maison']} « {p['nom']} » ({p['raison']})" if p else ""))
    out += [f"Avertissement : {w}" for w in d["avertissements"]]
    if insp.ready and insp.already:
        out.append(f"Déjà chargé : ces lignes sont celles de l'import n°{insp.already['import_id']} "
                   f"(« {insp.already['fichier']} ») ; rien à importer.")
    elif insp.ready:
        out.append(f"Prêt à importer : {nombre(insp.rows_ready)} ligne(s) ({len(insp.warnings)} avertissement(s)).")
        out += [f"À remplacer (--replace) : {c}" for c in insp.conflicts]
        if insp.version:
            out.append(insp.version.text())
    else:
        out.append(insp.problems().report())
    return "\n".join(out) + "\n"


def _import(args) -> int:
    choices = _choices(args)
    try:
        with writing(args.db) as con:
            result = import_file(con, args.file, args.kind, replace=args.replace, auteur=args.auteur,
                                 choices=choices, profile=args.profile, accept_suggestions=args.accept_suggestions,
                                 save_profile=args.save_profile)
    except ImportRefused as exc:
        if args.rapport:
            from .intake.report import problems_xlsx

            files.write(args.rapport, problems_xlsx(exc), force=True)
            sys.stderr.write(f"Liste complète des problèmes écrite dans {args.rapport}.\n")
        raise
    print(result.message())
    return 0


def _profiles(args) -> int:
    if args.action == "list":
        with closing(reader(args.db)) as con:
            found = profiles.list_profiles(con)
        if not found:
            print("Aucun profil de source.")
        for p in found:
            print(f"{p.nom}\t{p.kind}\t{p.utilisations} import(s)\tpar {p.auteur}\tcréé le {p.cree_le:%d/%m/%Y}")
    elif args.action == "delete" and len(args.names) == 1:
        with writing(args.db) as con:
            profiles.delete_profile(con, args.names[0])
        print(f"Profil « {args.names[0]} » supprimé.")
    elif args.action == "rename" and len(args.names) == 2:
        with writing(args.db) as con:
            profiles.rename_profile(con, *args.names)
        print(f"Profil « {args.names[0]} » renommé « {args.names[1]} ».")
    else:
        sys.stderr.write("Commande incorrecte : profiles delete NOM, ou profiles rename ANCIEN NOUVEAU.\n")
        return 2
    return 0


def _imports(args) -> int:
    with closing(reader(args.db)) as con:
        df = list_imports(con)
    if df.empty:
        print("Aucun import.")
        return 0
    for r in df.itertuples():
        demo_tag = " [démonstration]" if r.demo else ""
        print(f"n°{r.import_id}\t{r.kind}\t{r.statut}\t{r.lignes_chargees} lignes\t{r.date_import:%d/%m/%Y %H:%M}\t"
              f"{r.auteur}\t{r.fichier}{demo_tag}\tsha256:{r.sha256[:12]}")
    return 0


def _rollback(args) -> int:
    with writing(args.db) as con:
        message = rollback(con, args.import_id)
    print(message)
    return 0


def _redresser(args) -> int:
    from .intake import redressement as red

    if args.liste:
        with closing(reader(args.db)) as con:
            found = red.history(con, args.kind)
        if args.json:
            print(json.dumps(found, ensure_ascii=False, indent=2, default=str))
            return 0
        if not found:
            print("Aucun redressement.")
        for r in found:
            end = f", {r['statut']} le {r['date_fin']:%d/%m/%Y} par {printable(r['fin_par'])}" if r["date_fin"] else ""
            print(f"n°{r['id']}\t{r['kind']}\tvague {printable(r['vague'])}\t{r['statut']}\t"
                  f"{', '.join(r['modele']['libelles'])}\t{printable(r['modele'].get('source') or '')}\t"
                  f"par {printable(r['auteur'])} le {r['date']:%d/%m/%Y}{end}")
        return 0
    if args.retablir is not None:
        with writing(args.db) as con:
            report = red.retablir(con, args.retablir, kind=args.kind)
    elif not args.kind:
        sys.stderr.write("Précisez l'enquête : --kind usagers, agents ou habitants.\n")
        return 2
    elif args.retirer:
        with writing(args.db) as con:
            message = red.retirer(con, args.kind, args.vague)
        print(json.dumps({"message": message}, ensure_ascii=False) if args.json else message)
        return 0
    else:
        if args.marges and args.source:
            sys.stderr.write("Donnez les marges d'une seule façon : --marges FICHIER ou --source activite|registre, "
                             "pas les deux.\n")
            return 2
        if not (args.marges or args.source):
            sys.stderr.write("Donnez les marges : --marges FICHIER, ou --source activite|registre avec --variable.\n")
            return 2
        with writing(args.db) as con:
            if args.marges:
                margins = red.read_margins(UserFile.open(args.marges), args.marges.name)
            else:
                default = ("sexe", "tranche_age") if args.source == "activite" else ("format",)
                margins = red.margins_from_store(con, args.kind, args.source, tuple(args.variable) or default,
                                                 args.vague)
            report = red.redresser(con, args.kind, margins, args.vague, args.borne)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else "\n".join(red.report_text(report)))
    return 0


def _roles(args) -> int:
    from .access import roles, users

    if args.action == "list":
        with closing(reader(args.db)) as con:
            table = roles.list_roles(con)
        for r in table.itertuples():
            print(f"{printable(r.email)}\t{r.role}\t{','.join(r.regions) if len(r.regions) else '-'}\tpar {printable(r.accorde_par)}")
        if table.empty:
            print("Aucun rôle : la première administratrice ou le premier administrateur se nomme ici "
                  "(python -m msap_stats roles add EMAIL admin).")
        return 0
    if not args.email or (args.action == "add" and not args.role):
        sys.stderr.write("Commande incorrecte : roles add EMAIL ROLE [--region CODE], ou roles remove EMAIL.\n")
        return 2
    with writing(args.db) as con:
        actor = users.local_user()  # whoever holds the store's file on this machine administers it
        if args.action == "add":
            print(roles.grant(con, actor, args.email, args.role, tuple(args.region)))
        else:
            print(roles.revoke(con, actor, args.email))
    return 0


def _audit(args) -> int:
    from . import audit
    from .sheets import csv_bytes

    with closing(reader(args.db)) as con:
        log = audit.audit_log(con)
    if args.csv:
        files.write(args.csv, csv_bytes(log), force=True)
        print(f"Journal d'audit ({nombre(len(log))} entrées) écrit dans {args.csv}.")
        return 0
    for r in log.itertuples():
        print(f"{r.quand:%d/%m/%Y %H:%M}\t{r.utilisateur}\t{r.action}\t{r.detail}")
    return 0


def _backup(args) -> int:
    counts = backup(args.db, args.destination)
    detail = ", ".join(f"{KINDS[k].label.lower()} : {nombre(n)}" for k, n in counts.items())
    print(f"Copie de la base écrite dans {args.destination} — {detail}.")
    return 0


def _indicators(args) -> int:
    f = _filters(args)
    from .indicators import all_indicators

    with closing(reader(args.db)) as con:
        result = all_indicators(con, f)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _evolution(args) -> int:
    from .indicators import activity_evolution, evolution

    with closing(reader(args.db)) as con:
        if args.kind == "maisons":
            result = _network_changes(con, args)
            if result is None:
                sys.stderr.write("Moins de deux versions du registre : aucune évolution du réseau à mesurer "
                                 "(donnez --de et --a, ou importez une autre liste des Maisons).\n")
                return 1
        elif args.kind == "activite":
            result = activity_evolution(con, _filters(args))
        else:
            result = evolution(con, args.kind, _filters(args), args.de, args.a)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _notes(args) -> int:
    import shlex

    from .access.users import local_user
    from .charts.common import perimetre
    from .export import note

    wanted = {"list": 0, "delete": 1, "duplicate": 2}[args.action]
    if len(args.names) != wanted:
        sys.stderr.write("Commande incorrecte : notes list, notes delete NOM, ou notes duplicate NOM NOUVEAU "
                         "[--region CODE…].\n")
        return 2
    if args.action == "list":
        with closing(reader(args.db)) as con:
            found = note.listing(con)
        for n in found:
            print(f"{printable(n['nom'])}\t{perimetre(note.filters_of(n['filtres']))}\tpar {printable(n['auteur'])} "
                  f"le {n['date']:%d/%m/%Y}")
        if not found:
            print("Aucune note enregistrée : composez-en une sur la page « Exporter ».")
        return 0
    with writing(args.db) as con:
        if args.action == "delete":
            note.delete(con, args.names[0])
            print(f"Note « {printable(args.names[0])} » supprimée.")
        else:
            made = note.duplicate(con, args.names[0], args.names[1], _filters(args), local_user().email)
            print(f"Note « {printable(made.nom)} » enregistrée pour le périmètre « {perimetre(made.filters)} » ; "
                  f"reconstruisez-la avec export --note {shlex.quote(made.nom)}.")
            kept = note.written(made)
            if kept:
                print(f"Textes écrits gardés tels quels, à relire pour ce périmètre : {', '.join(kept)}.")
    return 0


def _network_changes(con, args) -> dict | None:
    from . import history

    dates = history.default_dates(con)
    de = given_date(args.de) if args.de else (dates[0] if dates else None)
    a = given_date(args.a) if args.a else (dates[1] if dates else None)
    if not de or not a:
        return None
    return history.changes(con, de, a, _filters(args))


def _export(args) -> int:
    from .export import pack

    from .export import note

    if args.note and _filters(args).describe():
        sys.stderr.write("Une note enregistrée garde son périmètre : pour un autre, dupliquez-la (notes duplicate NOM "
                         "NOUVEAU --region …) puis exportez la copie.\n")
        return 2
    try:
        with closing(reader(args.db)) as con:
            chosen = note.load(con, args.note) if args.note else None
            if chosen and note.changed_since(con, chosen):
                print(f"Les données ont changé depuis l'enregistrement de la note « {printable(chosen.nom)} » (un "
                      "import ou une annulation) : ses chiffres suivent les données d'aujourd'hui.")
            built = pack.build(con, _filters(args), note=chosen)
    except pack.EmptyPerimeter as exc:
        sys.stderr.write("Aucune Maison dans le périmètre de cette note : rien à publier. Dupliquez-la pour un autre "
                         "périmètre (notes duplicate).\n" if args.note else f"{exc}\n")
        return 1
    folder, zip_path = args.out / built.dossier, args.out / built.zip_name
    if folder.is_symlink() or args.out.is_symlink():
        raise files.WriteRefused(f"« {folder if folder.is_symlink() else args.out} » est un lien symbolique : rien "
                                 "n'est écrit à travers un lien ; donnez le dossier lui-même.")
    if not args.force and any(p.exists() or p.is_symlink() for p in (folder, zip_path)):
        raise files.WriteRefused(f"Un dossier « En bref » de ce nom existe déjà dans {args.out} ({built.zip_name}) : "
                                 "il n'est pas remplacé ; choisissez un autre dossier, ou relancez avec --force.")
    for name, content in built.files.items():
        files.write(folder / name, content, force=True)
    files.write(args.out / built.zip_name, built.zip_bytes, force=args.force)
    print(f"Dossier « En bref » écrit dans {args.out} : {built.zip_name} ({nombre(len(built.zip_bytes) / 1e6, 1)} Mo) "
          f"et ses {len(built.files)} fichiers dans {built.dossier}/ ; {len(built.charts)} graphique(s), "
          f"construit en {nombre(built.seconds, 1)} s.")
    for absent in built.absents:
        print(f"Absent de ce périmètre : {absent}")
    return 0


def _template(args) -> int:
    from .intake import templates

    files.write(args.output, templates.template_bytes(args.kind), force=args.force)
    print(f"Modèle « {KINDS[args.kind].label} » écrit dans {args.output}.")
    return 0


def _formats(args) -> int:
    from . import docs

    sys.stdout.write(docs.formats_markdown())
    return 0


COMMANDS = {"demo": _demo, "inspect": _inspect, "import": _import, "profiles": _profiles, "imports": _imports, "rollback": _rollback,
            "backup": _backup, "roles": _roles, "audit": _audit, "indicators": _indicators, "evolution": _evolution, "redresser": _redresser, "export": _export, "notes": _notes, "template": _template, "formats": _formats}
