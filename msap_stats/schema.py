"""The five kinds of file and their columns: the single source of truth.

The importer, the validator, the store's tables, the templates and the
documentation (docs/formats.md) are all generated from the definitions below.
Column names are the canonical French names used in the data formats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache


@lru_cache(maxsize=1 << 16)  # headers and codes come back for every column of a file, every value of a column
def normalize_key(text: object) -> str:
    """Key used to match headers and coded values.

    Ignores case, accents, spaces, hyphens and punctuation, so that
    "ID Maison", "id-maison" and "Id maison" all give "idmaison".
    The SQL twin is ``sql_normalize`` below; both must agree on every label.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    no_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", no_accents.lower())


@cache
def _code_keys(code: Code) -> frozenset[str]:
    return frozenset(normalize_key(v) for v in (code.code, code.label, *code.aliases)) - {""}


@cache
def _header_keys(col: Column) -> frozenset[str]:
    return frozenset(normalize_key(v) for v in (col.name, col.label, *col.aliases)) - {""}


@cache
def _code_map(col: Column) -> dict[str, str]:
    return {key: c.code for c in col.codes for key in c.keys()}


def sql_normalize(expr: str) -> str:
    return f"regexp_replace(lower(strip_accents({expr})), '[^a-z0-9]', '', 'g')"


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    aliases: tuple[str, ...] = ()  # other spellings: a sure match
    hints: tuple[str, ...] = ()  # words that suggest this code inside a longer label (an organisation's name…)

    def keys(self) -> frozenset[str]:
        return _code_keys(self)


# Column types: how a cell is read and stored.
SQL_TYPES = {
    "texte": "VARCHAR",
    "entier": "BIGINT",
    "nombre": "DOUBLE",
    "date": "DATE",
    "mois": "DATE",  # first day of the month
    "booleen": "BOOLEAN",
    "code": "VARCHAR",
    "codes": "VARCHAR[]",
    "horaires": "VARCHAR",
}

TYPE_HELP = {
    "texte": "texte libre",
    "entier": "nombre entier",
    "nombre": "nombre (virgule ou point décimal)",
    "date": "date (jj/mm/aaaa, aaaa-mm-jj ou date du tableur)",
    "mois": "mois (AAAA-MM, MM/AAAA, « mai 2016 » ou une date du mois)",
    "booleen": "Oui/Non (aussi x/vide, 1/0, Vrai/Faux)",
    "code": "une valeur de la liste (code ou libellé)",
    "codes": "une ou plusieurs valeurs de la liste, séparées par « ; »",
    "horaires": "plages horaires « 09:00 - 12:00 / 13:30 - 17:00 »",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    label: str
    help: str = ""
    required: bool = False  # the header must be present
    not_null: bool = False  # every row must have a value
    aliases: tuple[str, ...] = ()
    codes: tuple[Code, ...] = ()
    default: object = None  # value used when the column is absent or the cell blank
    minimum: float | None = None
    strict_minimum: bool = False  # value must be > minimum rather than >=
    maximum: float | None = None
    unique: bool = False  # unique within a file and among the loaded rows
    maison_ref: bool = False  # must name a Maison of the registry
    departement_ref: bool = False  # must be a known code of département
    extract_date: bool = False  # a date may be embedded in text ("Espace labellisé 01/01/2020")
    fallback_sql: str | None = None  # SQL computing the value from other columns when blank
    own_categories: bool = False  # a breakdown only: a survey's own categories may be kept as they are

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def header_keys(self) -> frozenset[str]:
        return _header_keys(self)

    def code_map(self) -> dict[str, str]:
        """Normalized spelling -> code, for coded columns (one dict per column: read it, never change it)."""
        return _code_map(self)

    @property
    def coded(self) -> bool:
        return self.type in ("code", "codes")

    @property
    def descriptive(self) -> bool:
        """Optional, not a key, a count, a weight, a code or a reference: it describes and nothing rests on it."""
        return (not self.required and not self.unique and not self.maison_ref and not self.departement_ref
                and self.default is None and not self.coded and self.fallback_sql is None)


@dataclass(frozen=True)
class Derived:
    """A stored column computed from the validated ones, in SQL."""

    name: str
    sql_type: str
    label: str
    sql: str


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # an earlier import holding the same key is a conflict
    key_label: str
    derived: tuple[Derived, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one of these columns is required
    source_label: str = ""
    groups: tuple[tuple[str, ...], ...] = ()  # multi-response questions: their yes/no columns, one group each
    cluster: str | None = None  # surveys: the column naming the cluster an answer was collected in
    cluster_unit: str = "Maisons"  # what a cluster is, in French

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def questions(self) -> list[str]:
        """The columns a respondent answers (not the identifiers, the date, the Maison or the weight)."""
        return [c.name for c in self.columns if c.name not in self.key and not c.maison_ref
                and c.type not in ("date", "mois") and c.default is None and c.name not in DESIGN_COLUMNS]

    def lenient(self, col: Column) -> bool:
        """An unreadable cell of this column is stored as unknown, with a warning, instead of refusing the file."""
        return col.descriptive and col.name not in self.key and not any(col.name in g for g in self.one_of)

    @property
    def stored_columns(self) -> list[tuple[str, str]]:
        return [(c.name, c.sql_type) for c in self.columns] + [(d.name, d.sql_type) for d in self.derived]


# --- Code lists ---------------------------------------------------------

# Hints name the operators and procedures people write instead of the theme (CAF, Ameli, carte grise…).
THEMATIQUES = (
    Code("emploi", "Emploi, formation", ("emploi formation", "formation"),
         ("emploi", "Pôle emploi", "France Travail", "mission locale", "Cap emploi", "APEC", "chômage")),
    Code("prestations_sociales", "Prestations sociales, famille", ("prestations sociales", "famille"),
         ("CAF", "allocations familiales", "prestations", "RSA", "prime d'activité", "famille", "social")),
    Code("retraite", "Retraite", (), ("CARSAT", "CNAV", "assurance retraite", "retraite", "Agirc", "Arrco", "pension")),
    Code("sante", "Santé, assurance maladie", ("santé", "assurance maladie"),
         ("CPAM", "Ameli", "assurance maladie", "carte vitale", "santé", "complémentaire santé", "mutuelle")),
    Code("autonomie", "Dépendance, handicap, autonomie", ("dépendance", "handicap"),
         ("MDPH", "APA", "handicap", "dépendance", "autonomie")),
    Code("fiscalite", "Impôts, fiscalité", ("impôts", "fiscalité"),
         ("DGFiP", "impôt", "impots", "finances publiques", "fiscal", "taxe")),
    Code("acces_au_droit", "Justice, accès au droit", ("justice", "accès au droit"),
         ("justice", "juridique", "avocat", "conciliateur", "défenseur des droits", "tribunal", "droit")),
    Code("logement_energie", "Logement, énergie", ("logement", "énergie"),
         ("logement", "énergie", "chèque énergie", "EDF", "Engie", "GRDF", "Enedis")),
    Code("papiers", "Papiers d'identité, permis, carte grise", ("démarches administratives", "papiers d'identité", "carte grise"),
         ("ANTS", "carte grise", "CNI", "carte d'identité", "passeport", "permis", "titre de séjour", "préfecture",
          "immatriculation", "papiers")),
    Code("courrier", "Courrier, La Poste", ("courrier",), ("La Poste", "courrier", "colis")),
    Code("numerique", "Accès au numérique", ("numérique",),
         ("numérique", "internet", "ordinateur", "impression", "messagerie")),
    Code("autre", "Autre"),
)
# The thematiques the note groups as "santé ou dépendance" (health insurance, autonomy).
SANTE_DEPENDANCE = ("sante", "autonomie")

TYPES_ACCOMPAGNEMENT = (
    Code("information", "Information, renseignement", ("renseignement",)),
    Code("aide_dossier", "Aide à la constitution d'un dossier", ("aide dossier", "constitution de dossier")),
    Code("demarche_en_ligne", "Accompagnement à une démarche en ligne", ("démarche en ligne",)),
    Code("libre_acces", "Utilisation libre des outils numériques", ("libre accès", "libre service")),
)

OPERATEURS = (
    Code("pole_emploi", "Pôle emploi / France Travail", ("Pôle emploi", "France Travail")),
    Code("caf", "CAF", ("Caisse d'allocations familiales",)),
    Code("cpam", "CPAM", ("Assurance maladie", "CNAM")),
    Code("carsat", "CARSAT/CNAV", ("CARSAT", "CNAV", "Assurance retraite")),
    Code("msa", "MSA", ("Mutualité sociale agricole",)),
    Code("grdf", "GRDF"),
    Code("la_poste", "La Poste"),
    Code("dgfip", "DGFiP", ("Finances publiques", "Impôts")),
    Code("justice", "Justice", ("Ministère de la Justice",)),
    Code("ants", "ANTS", ("Agence nationale des titres sécurisés",)),
    Code("autre", "Autre"),
)

PARTENARIATS = (
    Code("centre_social", "Centre social", ("centres sociaux",)),
    Code("handicap", "Structure du handicap", ("handicap", "MDPH")),
    Code("bibliotheque", "Bibliothèque ou médiathèque", ("bibliothèque", "médiathèque")),
    Code("office_tourisme", "Office de tourisme", ("tourisme",)),
    Code("chambre_consulaire", "Chambre consulaire", ("chambres consulaires", "CCI", "chambre de métiers", "chambre d'agriculture")),
    Code("defenseur_droits", "Défenseur des droits", ("DDD",)),
    Code("autre", "Autre"),
)

def labels(codes: tuple[Code, ...]) -> dict[str, str]:
    """Code -> its label, for a list of codes."""
    return {c.code: c.label for c in codes}


TYPES_SITE = (
    Code("principal", "Principal", ("site principal", "siège")),
    Code("antenne", "Antenne"),
)

FORMATS = (
    Code("fixe", "Fixe"),
    Code("fixe_antennes", "Fixe avec antenne(s)", ("Fixe_antenne(s)", "fixe antenne", "fixe antennes")),
    Code("multisites", "Multisites", ("multi-sites",)),
    Code("itinerante", "Itinérante", ("itinérant",)),
    Code("bus", "Bus", ("Bus_équivalent", "bus équivalent")),
)

PORTEURS = (
    Code("collectivite", "Collectivité territoriale", ("collectivité", "commune", "intercommunalité", "EPCI", "département"),
         ("communauté", "mairie", "ville", "syndicat", "CCAS", "CIAS", "conseil départemental", "collectivité")),
    Code("association", "Association", ("PIMMS", "PIMMS Médiation"), ("association", "PIMMS", "médiation")),
    Code("gip", "GIP", ("groupement d'intérêt public",)),
    Code("la_poste", "La Poste"),
    Code("autre", "Autre"),
)

TERRITOIRES = (
    Code("rural", "Rural"),
    Code("periurbain", "Périurbain"),
    Code("urbain", "Urbain"),
)

SEXES = (
    Code("femme", "Femme", ("F",)),
    Code("homme", "Homme", ("H", "M")),
)

TRANCHES_AGE = (
    Code("moins_25", "Moins de 25 ans", ("-25", "<25", "18-24 ans", "15-24 ans")),
    Code("25_39", "25-39 ans", ("25 à 39 ans",)),
    Code("40_59", "40-59 ans", ("40 à 59 ans",)),
    Code("60_74", "60-74 ans", ("60 à 74 ans",)),
    Code("75_plus", "75 ans et plus", ("75+", "75 ans ou plus")),
)

SITUATIONS = (
    Code("emploi", "En emploi", ("actif occupé", "salarié")),
    Code("demandeur_emploi", "Demandeur d'emploi", ("chômeur", "sans emploi")),
    Code("retraite", "Retraité", ("retraitée", "retraité(e)")),
    Code("etudiant", "Étudiant", ("étudiante", "étudiant(e)", "élève")),
    Code("au_foyer", "Au foyer"),
    Code("autre", "Autre inactif", ("autre",)),
)

SATISFACTION = (
    Code("tres_satisfait", "Très satisfait", ("1",)),
    Code("plutot_satisfait", "Plutôt satisfait", ("2",)),
    Code("plutot_pas_satisfait", "Plutôt pas satisfait", ("3",)),
    Code("pas_du_tout_satisfait", "Pas du tout satisfait", ("4",)),
)

QUALITE = (
    Code("tres_bonne", "Très bonne", ("1",)),
    Code("plutot_bonne", "Plutôt bonne", ("2",)),
    Code("plutot_mauvaise", "Plutôt mauvaise", ("3",)),
    Code("tres_mauvaise", "Très mauvaise", ("4",)),
)

STATUTS = (
    Code("fonctionnaire", "Fonctionnaire", ("titulaire",)),
    Code("contractuel", "Contractuel", ("contractuelle", "CDD", "CDI")),
    Code("autre", "Autre", ("service civique", "bénévole")),
)

MISSIONS = (
    Code("accueil", "Accueil et information du public", ("accueil",)),
    Code("accompagnement", "Accompagnement aux démarches", ("accompagnement",)),
    Code("animation", "Animation, partenariats", ("animation",)),
    Code("coordination", "Coordination, encadrement", ("coordination", "encadrement")),
    Code("autre", "Autre"),
)

# The perceived territorial impacts, asked in the same words of the three publics.
IMPACTS = (
    ("impact_services_proximite", "Maintient des services publics dans le territoire"),
    ("impact_deplacements", "Évite ou raccourcit des déplacements"),
    ("impact_lien_social", "Crée du lien social"),
    ("impact_numerique", "Aide aux démarches numériques"),
    ("impact_attractivite", "Renforce l'attractivité du territoire"),
)

MOTIFS = (
    ("motif_aide_dossier", "Être accompagné dans la constitution d'un dossier"),
    ("motif_renseignement", "Obtenir un renseignement"),
    ("motif_outils_libre_acces", "Utiliser librement les outils numériques"),
    ("motif_demarche_en_ligne", "Être aidé pour une démarche en ligne"),
)

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")


# --- Shared column builders --------------------------------------------

def _id_reponse() -> Column:
    return Column("id_reponse", "texte", "Identifiant de la réponse", "Unique dans l'enquête.",
                  required=True, not_null=True, unique=True, aliases=("id", "identifiant", "numero questionnaire"))


def _date_reponse() -> Column:
    return Column("date_reponse", "date", "Date de la réponse", required=True, not_null=True,
                  aliases=("date", "date questionnaire"))


def _vague() -> Column:
    return Column("vague", "texte", "Vague d'enquête",
                  "Édition de l'enquête (« 2016 », « novembre 2024 »). À défaut, celle donnée à l'import, ou "
                  "déduite des dates des réponses.", aliases=("vague d'enquete", "edition", "wave"))


def _id_maison(required: bool = True) -> Column:
    return Column("id_maison", "texte", "Identifiant de la Maison",
                  "Identifiant de la Maison dans le registre (id_fs de la liste nationale).",
                  required=required, not_null=required, maison_ref=True,
                  aliases=("id_fs", "id msap", "maison", "code maison", "code msap", "code fs", "matricule",
                           "identifiant maison", "id france services"))


def _poids() -> Column:
    return Column("poids", "nombre", "Poids de redressement",
                  "Poids de l'enquête (> 0) ; 1 pour toutes les réponses si la colonne est absente.",
                  default=1.0, minimum=0, strict_minimum=True, aliases=("ponderation", "weight", "coef"))


def _plan() -> tuple[Column, ...]:
    """A sample's design beyond its clusters: the stratum each Maison was drawn in, and the stratum's population of
    Maisons (or the sampling fraction) for the finite-population correction."""
    return (Column("strate", "texte", "Strate du tirage",
                   "La strate dans laquelle la Maison (le département, pour les habitants) a été tirée ; vide si le "
                   "tirage n'est pas stratifié.", aliases=("stratum", "strata", "strate de tirage")),
            Column("fpc", "nombre", "Population de la strate",
                   "Nombre de Maisons (de départements) de la strate où l'on a tiré, ou taux de sondage (≤ 1) : "
                   "la correction de population finie.", minimum=0, strict_minimum=True,
                   aliases=("taille strate", "population strate", "taux de sondage", "fraction de sondage")))


DESIGN_COLUMNS = ("poids", "strate", "fpc")  # how answers were drawn and weighed, not what they say


def _bool(name: str, label: str, required: bool = True, help: str = "", **kw) -> Column:
    return Column(name, "booleen", label, help, required=required, **kw)


def _coded(name: str, label: str, codes: tuple[Code, ...], required: bool = False, **kw) -> Column:
    return Column(name, "code", label, required=required, codes=codes, **kw)


def _impacts(required: bool) -> tuple[Column, ...]:
    return tuple(_bool(name, label, required, "Impact perçu pour le territoire (Oui/Non).") for name, label in IMPACTS)


def _profil() -> tuple[Column, ...]:
    return (
        _coded("sexe", "Sexe", SEXES),
        _coded("tranche_age", "Tranche d'âge", TRANCHES_AGE, aliases=("age", "tranche age"), own_categories=True),
    )


# One opening interval: "09:00 - 12:00", "9h-12h", "9h30 à 12h", "8 :30-12", "13-17"; minutes follow the h or
# the colon directly, so that "9h-12h 14h-16h" is two intervals and not 9:00-12:14.
# A time of day as opening hours write it, once the writings below are made plain: "9", "9h", "9h30", "09:30".
HOURS_TIME_RE = r"([0-9]{1,2})(?:[hH:]([0-9]{2})?)?"
_HOURS_WRITINGS = (  # (pattern, replacement), in order, on a cell whose spaces are single
    (r"([0-9]{1,2}) ?[hH] ?([0-9]{1,2}) ?[hH]", r"\1h \2h"),  # "9h12h", "9 h 12 h": two hours, not 9:12
    (r"([0-9]{1,2}) [hH] ([0-9]{2})", r"\1h\2"),  # "13 h 30": minutes after a spaced "h" ("12H 14-18H": an hour)
    (r"([0-9]{1,2})[hH] (00|[2-5][0-9])", r"\1h\2"),  # "11h 30": no hour is 30 ("12H 14" stays two hours)
    (r"([0-9]{1,2}) ?: ?([0-9]{2})", r"\1:\2"),  # "9 : 30"
    (r"([0-9]{1,2}) [hH]", r"\1h"),  # "13 h"
)


def hours_intervals_sql(expr: str) -> str:
    """The opening intervals of a cell, [start, end] in minutes since midnight, the one reading of opening hours.

    The times of the cell, in order, pair up: "09:00 - 12:00 / 13:30 - 17:00", "9h-12h et 14h-17h",
    "13 h 30 à 16 h 30", "8 h 30 à 17 h 30 en continu", "09h/12h", "9 h 12 h / 14 h 17 h", "9-12/13-17".
    NULL when they do not (an odd count of times, an end before its start, past midnight): the cell is unreadable.
    "00:00 - 00:00", a placeholder of the national lists, is an interval of no minute.
    """
    text = f"regexp_replace(coalesce({expr}, ''), '[[:space:]\\x{{00A0}}\\x{{202F}}]+', ' ', 'g')"
    for pattern, replacement in _HOURS_WRITINGS:
        text = f"regexp_replace({text}, '{pattern}', '{replacement}', 'g')"
    minutes = (f"list_transform(regexp_extract_all({text}, '{HOURS_TIME_RE}'), lambda t: "
               f"coalesce(try_cast(regexp_extract(t, '{HOURS_TIME_RE}', 1) AS INTEGER), 0) * 60 + "
               f"coalesce(try_cast(nullif(regexp_extract(t, '{HOURS_TIME_RE}', 2), '') AS INTEGER), 0))")
    pairs = "list_transform(generate_series(1, len(m) // 2), lambda i: [m[2 * i - 1], m[2 * i]])"
    valid = "len(list_filter(p, lambda x: NOT ((x[1] < x[2] OR x[2] = 0 AND x[1] = 0) AND x[2] <= 1440))) = 0"
    return (f"list_transform([{minutes}], lambda m: CASE WHEN len(m) % 2 = 0 THEN "
            f"list_transform([{pairs}], lambda p: CASE WHEN {valid} THEN p END)[1] END)[1]")


def _minutes_sql(expr: str) -> str:
    """The open minutes of one cell of opening hours, as a list (empty when unreadable)."""
    return f"flatten(list_transform(coalesce({hours_intervals_sql(expr)}, []), lambda p: range(p[1], p[2])))"


def _day_minutes_sql(day: str, stops: str | None = None) -> str:
    """Open minutes of one day column, each counted once (real lists hold overlapping intervals,
    "08:00 - 15:00 / 08:00 - 16:00"); an unreadable cell counts none. ``stops``: a list of that day's hours at a
    mobile Maison's stops (its column ``s_<day>``), open minutes of the Maison too."""
    own = _minutes_sql(f'"h_{day}"')
    if stops:
        own = f"list_concat({own}, flatten(list_transform(coalesce({stops}.s_{day}, []), lambda s: {_minutes_sql('s')})))"
    return f"len(list_distinct({own}))"


def weekly_hours_sql(stops: str | None = None) -> str:
    """Weekly opening hours from the day columns (and a mobile Maison's stops); a site with no open minute at all is
    unknown (NULL)."""
    return f"nullif({' + '.join(_day_minutes_sql(j, stops) for j in JOURS)}, 0) / 60.0"


def open_days_sql(stops: str | None = None) -> str:
    """Days of the week with at least one open minute; unknown (NULL) when no day has any."""
    return f"nullif({' + '.join(f'({_day_minutes_sql(j, stops)} > 0)::INTEGER' for j in JOURS)}, 0)"


# --- The five kinds ------------------------------------------------------

MAISONS = Kind(
    name="maisons",
    label="Registre des Maisons",
    description="Une ligne par Maison (ou site) : la liste nationale de l'ANCT telle que publiée, ou le modèle du projet.",
    key=("id_maison",),
    key_label="Maisons",
    source_label="Registre des Maisons",
    columns=(
        Column("id_maison", "texte", "Identifiant de la Maison", "Identifiant unique (id_fs de la liste nationale).",
               required=True, not_null=True, unique=True,
               aliases=("id_fs", "id msap", "identifiant", "MATRICULE", "id france services", "code fs")),
        Column("nom", "texte", "Nom", required=True, not_null=True,
               aliases=("lib_fs", "nom maison", "libelle", "lib_france_services", "nom france services", "lib_msap",
                        "nom msap", "nom_fs", "nom de la structure", "nom du site", "nom de la maison",
                        "nom de l'espace", "dénomination", "intitulé")),
        Column("code_departement", "texte", "Code du département", "Code INSEE du département (01, 2A, 974…).",
               required=True, not_null=True, departement_ref=True,
               aliases=("insee_dep", "departement", "dep", "DEPARTEMENT", "code dep", "num dep", "code_dept")),
        Column("code_commune", "texte", "Code de la commune", "Code INSEE de la commune.",
               aliases=("insee_com", "code insee", "code insee commune", "commune code insee", "code_insee_commune",
                        "cog")),
        Column("commune", "texte", "Commune", aliases=("lib_com", "nom commune", "libelle commune", "ville")),
        Column("latitude", "nombre", "Latitude", "WGS84, en degrés décimaux.", minimum=-90, maximum=90,
               aliases=("lat", "LATITUDE")),
        Column("longitude", "nombre", "Longitude", "WGS84, en degrés décimaux.", minimum=-180, maximum=180,
               aliases=("lon", "lng", "long", "LONGITUDE")),
        *(Column(f"h_{j}", "horaires", f"Horaires du {j}", "Plages d'ouverture, ex. « 09:00 - 12:00 / 13:30 - 17:00 ».")
          for j in JOURS),
        _coded("type", "Type de site", TYPES_SITE, aliases=("type_fs", "type site")),
        _coded("format", "Format", FORMATS, aliases=("format_fs", "FORMAT_FS")),
        Column("date_labellisation", "date", "Date de labellisation",
               "Ex. « Espace labellisé 01/01/2020 », « Espace labélisé 01/2020 » ou 01/01/2020.",
               extract_date=True, aliases=("labellisation_fs", "labellisation", "Labellisation", "LABELISATION",
                                           "labelisation", "date label")),
        Column("date_liste", "date", "Date de la liste",
               "Date à laquelle la liste décrit le réseau (sa mise à jour) : elle date cette version du registre.",
               aliases=("date de mise a jour", "date_maj", "mise a jour", "date de la liste", "date extraction",
                        "date d'extraction", "date_export", "date de publication")),
        _coded("structure_porteuse", "Structure porteuse", PORTEURS,
               aliases=("porteur", "type structure porteuse", "TYPE.STRUCTURE.PORTEUSE", "type porteur",
                        "categorie porteur")),
        Column("operateurs", "codes", "Opérateurs partenaires", codes=OPERATEURS, aliases=("partenaires",)),
        Column("partenariats", "codes", "Partenariats locaux", codes=PARTENARIATS),
        _bool("espace_public_numerique", "Espace public numérique", False),
        _bool("espace_teletravail", "Espace de télétravail", False),
        _bool("agent_forme", "Agents formés", False, "Les agents d'accueil ont suivi la formation du réseau."),
        Column("agents_accueil", "entier", "Agents d'accueil présents",
               "Nombre d'agents d'accueil formés présents aux heures d'ouverture (la charte France services en "
               "demande au moins deux).", minimum=0,
               aliases=("nb agents", "nombre d'agents", "agents d'accueil", "nb_agents_accueil")),
        _bool("espace_confidentiel", "Espace confidentiel", False, "Un espace permet de recevoir les usagers en toute confidentialité."),
        _coded("type_territoire", "Type de territoire", TERRITOIRES, aliases=("territoire",)),
    ),
    derived=(Derived("heures_hebdo", "DOUBLE", "Heures d'ouverture par semaine", weekly_hours_sql()),
             Derived("jours_ouverture", "INTEGER", "Jours d'ouverture par semaine", open_days_sql())),
)

ACTIVITE = Kind(
    name="activite",
    label="Activité (demandes traitées)",
    description="Une ligne par demande, ou une ligne agrégée avec un nombre de demandes (nb).",
    key=("id_maison", "mois"),
    key_label="Maison et mois",
    source_label="Remontées d'activité des Maisons",
    columns=(
        _id_maison(),
        Column("date", "date", "Date de la demande", aliases=("jour", "date demande")),
        Column("mois", "mois", "Mois", "AAAA-MM, si la date n'est pas donnée.", aliases=("periode",),
               fallback_sql='date_trunc(\'month\', "date")::DATE'),
        _coded("thematique", "Thématique", THEMATIQUES, required=True, not_null=True,
               aliases=("theme", "motif", "domaine", "thematiques", "nature de la demande")),
        _coded("operateur", "Opérateur", OPERATEURS),
        _coded("type_accompagnement", "Type d'accompagnement", TYPES_ACCOMPAGNEMENT, aliases=("accompagnement",)),
        *_profil(),
        Column("nb", "entier", "Nombre de demandes", "Entier ≥ 1 ; 1 si la colonne est absente (une ligne à 0 ne charge rien).",
               default=1, minimum=1, aliases=("nombre", "nb demandes", "effectif", "nombre de demandes", "demandes")),
    ),
    one_of=(("date", "mois"),),
)

USAGERS = Kind(
    name="usagers",
    label="Enquête usagers",
    description="Une ligne par questionnaire d'usager.",
    key=("vague", "id_reponse", "id_maison"),  # a response id is the wave's at that Maison: never another région's
    key_label="Réponses",
    source_label="Enquête usagers",
    groups=(tuple(name for name, _ in MOTIFS),),
    cluster="id_maison",
    columns=(
        _id_reponse(), _date_reponse(), _vague(), _id_maison(), _poids(), *_plan(),
        *(_bool(name, label, help="Motif de la visite (plusieurs réponses possibles).") for name, label in MOTIFS),
        _coded("satisfaction_accueil", "Satisfaction de l'accueil", SATISFACTION, required=True, aliases=("satisfaction",)),
        _bool("simplifie_quotidien", "La Maison simplifie le quotidien"),
        _coded("attente_principale", "Attente principale", THEMATIQUES, aliases=("attente",)),
        *_profil(),
        _coded("situation", "Situation", SITUATIONS, own_categories=True),
        *_impacts(required=False),
    ),
)

AGENTS = Kind(
    name="agents",
    label="Enquête agents",
    description="Une ligne par questionnaire d'agent d'accueil.",
    key=("vague", "id_reponse", "id_maison"),
    key_label="Réponses",
    source_label="Enquête agents",
    cluster="id_maison",
    columns=(
        _id_reponse(), _date_reponse(), _vague(), _id_maison(), _poids(), *_plan(),
        _coded("sexe", "Sexe", SEXES, required=True),
        _coded("tranche_age", "Tranche d'âge", TRANCHES_AGE, aliases=("age",), own_categories=True),
        _coded("statut", "Statut", STATUTS, required=True),
        _bool("se_sent_utile", "Se sent utile"),
        _bool("appartenance_reseau", "Se sent membre du réseau national", aliases=("appartenance",)),
        Column("annee_arrivee", "entier", "Année d'arrivée dans le réseau", "Année où l'agent a rejoint le réseau.",
               minimum=1990, maximum=2100, aliases=("annee d'arrivee", "arrivee", "annee entree reseau")),
        _coded("mission_principale", "Mission principale", MISSIONS, required=True, aliases=("mission",)),
        *_impacts(required=True),
    ),
)

HABITANTS = Kind(
    name="habitants",
    label="Enquête habitants",
    description="Une ligne par habitant interrogé (il n'est pas rattaché à une Maison).",
    key=("vague", "id_reponse", "code_departement"),  # an inhabitant's response, in their département
    key_label="Réponses",
    source_label="Enquête habitants",
    cluster="code_departement",
    cluster_unit="départements",
    columns=(
        _id_reponse(), _date_reponse(), _vague(),
        Column("code_departement", "texte", "Code du département", "Département de résidence.",
               required=True, not_null=True, departement_ref=True, aliases=("departement", "insee_dep")),
        Column("code_commune", "texte", "Code de la commune", aliases=("insee_com",)),
        _poids(), *_plan(),
        _bool("connait_maison_commune", "Sait qu'il y a une Maison dans sa commune", aliases=("connait maison",)),
        _coded("qualite_offre", "Qualité de l'offre", QUALITE, required=True, aliases=("qualite",)),
        _bool("acces_numerique_facilite", "Facilite l'accès aux outils numériques", aliases=("acces numerique",)),
        *_profil(),
        *_impacts(required=True),
    ),
)

ARRETS = Kind(
    name="arrets",
    label="Arrêts des Maisons itinérantes",
    description="Une ligne par arrêt d'un bus ou d'une Maison itinérante déjà au registre : le lieu, la commune, "
                "les horaires (par jour, ou un jour et ses horaires). Ses horaires comptent dans l'ouverture de la Maison.",
    key=("id_maison", "commune", "lieu"),
    key_label="Arrêts",
    source_label="Arrêts des Maisons itinérantes",
    columns=(
        _id_maison(),
        Column("commune", "texte", "Commune de l'arrêt", required=True, not_null=True,
               aliases=("lib_com", "nom commune", "libelle commune", "ville", "commune de l'arret")),
        Column("lieu", "texte", "Lieu de l'arrêt", "Le lieu dans la commune (place, mairie, salle…).", default="",
               aliases=("arret", "lieu", "nom de l'arret", "lieu de permanence", "point d'arret", "etape", "adresse",
                        "lieu de stationnement", "emplacement")),
        Column("code_commune", "texte", "Code de la commune",
               aliases=("insee_com", "code insee", "code insee commune", "cog")),
        Column("latitude", "nombre", "Latitude", "WGS84, en degrés décimaux.", minimum=-90, maximum=90,
               aliases=("lat",)),
        Column("longitude", "nombre", "Longitude", "WGS84, en degrés décimaux.", minimum=-180, maximum=180,
               aliases=("lon", "lng", "long")),
        *(Column(f"h_{j}", "horaires", f"Horaires du {j}", "Plages de présence à l'arrêt ce jour-là.") for j in JOURS),
        _coded("jour", "Jour de présence", tuple(Code(j, j.capitalize(), (j + "s",)) for j in JOURS),
               aliases=("jour de passage", "jour de presence", "jours")),
        Column("horaires", "horaires", "Horaires de présence", "Les plages du jour donné par « jour ».",
               aliases=("heures", "horaire", "plages horaires")),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (MAISONS, ACTIVITE, USAGERS, AGENTS, HABITANTS, ARRETS)}
SURVEYS = tuple(name for name, kind in KINDS.items() if kind.cluster)  # the kinds that are surveys

# Published figures of the BVA survey (CGET, En bref n°33, February 2017), in %.
PUBLISHED = {
    "usagers.motifs.aide_dossier": 40,
    "usagers.motifs.renseignement": 33,
    "usagers.motifs.outils_libre_acces": 27,
    "usagers.motifs.demarche_en_ligne": 24,
    "usagers.tres_satisfait": 86,
    "usagers.simplifie_quotidien": 95,
    "usagers.attentes.emploi": 34,
    "usagers.attentes.prestations_sociales": 23,
    "usagers.attentes.papiers": 21,
    "agents.femmes": 83,
    "agents.fonctionnaires": 53,
    "agents.se_sent_utile": 89,
    "agents.appartenance_reseau": 62,
    "agents.mission_accueil": 81,
    "habitants.connait_maison_commune": 45,
    "habitants.qualite_bonne": 70,
    "habitants.acces_numerique_facilite": 87,
}


# --- Self-checks of the schema (each must stay empty) ---------------------------------

def header_keys_conflicts(kind: Kind) -> dict[str, list[str]]:
    """Normalized header spellings claimed by more than one column (must stay empty)."""
    seen: dict[str, list[str]] = {}
    for col in kind.columns:
        for key in col.header_keys():
            seen.setdefault(key, []).append(col.name)
    return {k: v for k, v in seen.items() if len(v) > 1}


def code_keys_conflicts(col: Column) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for c in col.codes:
        for key in c.keys():
            seen.setdefault(key, []).append(c.code)
    return {k: v for k, v in seen.items() if len(set(v)) > 1}
