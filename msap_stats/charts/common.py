"""What every page's charts share: the absent figure and the key figure, the source and the base of a chart,
code labels and their order, significance marks, the perimeter and the period in words."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import pandas as pd

from .. import indicators as ind
from .. import reference, schema
from ..fmt import INSUFFISANT, MOIS_COURTS, first_number, jour, mois, nombre, pct
from ..indicators import ALL_WAVES, Filters, weighting
from ..store import IN_FORCE, is_demo, loaded_files
from ..survey.design import METHOD_NO_VARIANCE, MIN_N


DEMO_SOURCE = "Données de démonstration"
# What the demo is, said on every page and in every pack built from it.
DEMO_NOTICE = ("réseau synthétique calibré pour reproduire les chiffres publiés en février 2017 (enquête BVA, "
               "novembre 2016) ; aucun chiffre de cette base ne décrit une Maison réelle.")
BREAKDOWNS = {"sexe": "Sexe", "tranche_age": "Tranche d'âge", "situation": "Situation", "region": "Région",
              "type_territoire": "Type de territoire"}
BREAKDOWN_PHRASES = {"sexe": "selon le sexe", "tranche_age": "selon l'âge", "situation": "selon la situation",
                     "region": "selon la région", "type_territoire": "selon le type de territoire"}


def across_regions(low: float, high: float, of: str = "") -> str:
    """What a share does from one région to the next: « va de 26 % à 31 %{of} selon la région », or « est de 26 %{of}
    dans chaque région » when both ends are written alike (« va de 26 % à 26 % » says a spread it does not show)."""
    low_text, high_text = pct(low), pct(high)
    if low_text == high_text:
        return f"est de {low_text}{of} dans chaque région"
    return f"va de {low_text} à {high_text}{of} selon la région"


@dataclass
class Absent:
    """Nothing to show, and why, in French."""

    message: str


@dataclass
class KeyFigure:
    valeur: str
    texte: str
    detail: str
    source: str
    page: str


def source(con, kind: str) -> str:
    if is_demo(con, kind):
        return DEMO_SOURCE
    files = loaded_files(con, kind)
    if kind == "maisons" and files and all(f.startswith("liste-fs") for f in files):
        return f"ANCT, liste des structures France services ({', '.join(files)})"
    label = schema.KINDS[kind].source_label
    return f"{label} ({', '.join(files[:3])}{'…' if len(files) > 3 else ''})" if files else label


def survey_base(shares: pd.DataFrame, kind: str, f: Filters | None = None) -> str:
    """The base a chart rests on: those who answered its question(s), as counted in the data behind it, the
    weighting and the intervals' method."""
    values = sorted({int(v) for v in shares["n"] if v == v and v})
    count = nombre(values[0]) if values else "0"
    if len(values) > 1:
        count = f"{count} à {nombre(values[-1])}"
    varies = " (selon la question)" if len(values) > 1 else ""
    weighted = f", {weighting(shares)}"
    bare = "methode" in shares.columns and (shares["methode"] == METHOD_NO_VARIANCE).any()
    method = "IC à 95 % (plan de sondage ; aucun à 0 % ou 100 %)" if bare else "IC à 95 % (plan de sondage)"
    public = kind if not values or values[-1] >= 2 else kind[:-1]  # "1 usager", the survey named after its public
    base = f"n = {count} {public} ayant répondu{varies}{weighted} ; {method}"
    waves = {w for w in shares.get("vague", ()) if isinstance(w, str)}
    if waves:  # several waves in the store: the one the figure rests on, or that they are pooled
        base += " ; toutes les vagues regroupées" if ALL_WAVES in waves else f" ; vague {', '.join(sorted(waves))}"
    if kind == "habitants" and f is not None and (f.formats or f.porteurs):
        base += " ; les habitants ne sont pas rattachés à une Maison : filtres format et porteur sans objet"
    return base


THEME_LABELS = schema.labels(schema.THEMATIQUES)
OPERATOR_LABELS = schema.labels(schema.OPERATEURS)
ACCOMP_LABELS = schema.labels(schema.TYPES_ACCOMPAGNEMENT)
CODE_LABELS = {"sexe": schema.labels(schema.SEXES), "tranche_age": schema.labels(schema.TRANCHES_AGE),
               "situation": schema.labels(schema.SITUATIONS), "type_territoire": schema.labels(schema.TERRITOIRES),
               "format": schema.labels(schema.FORMATS), "structure_porteuse": schema.labels(schema.PORTEURS)}


def code_rank(code, labels: dict[str, str]) -> tuple[int, float]:
    """Codes in the order of their list; a survey's own categories after them, by their first number."""
    order = list(labels)
    if code in labels:
        return order.index(code), 0.0
    return len(order), first_number(str(code)) if code is not None else float("inf")


NOT_GIVEN = "Non renseigné"  # the label of a blank cell, in every breakdown


def code_label(code, labels: dict[str, str]) -> str:
    return labels.get(code, code) if code is not None else NOT_GIVEN


def label_groups(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Groups in the order of their code list (age bands in age order), then labelled."""
    labels = CODE_LABELS.get(by, {})
    df = df.assign(_rang=df[by].map(lambda v: code_rank(v, labels))).sort_values(["_rang"], kind="stable")
    df[by] = df[by].map(lambda v: code_label(v, labels))
    return df.drop(columns="_rang")


def month_label(d) -> str:
    return f"{MOIS_COURTS[d.month - 1]}<br>{d.year}"


def share_table(df: pd.DataFrame, label_title: str, first: str = "libelle") -> pd.DataFrame:
    table = pd.DataFrame({label_title: df[first], "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"],
                          "IC 95 % haut": df["ic_haut"], "Réponses": df["n"]})
    return with_design(with_significance(table, df), df)


def with_design(table: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """What each figure rests on, beside it: the design-effective size the threshold of 30 applies to, the clusters
    (Maisons, or départements for inhabitants), and the reason a cell has no figure."""
    table["Taille effective"] = df["n_eff"].astype(float).round(0).to_numpy()
    table["Grappes"] = df["grappes"].to_numpy()
    table["Sans chiffre : raison"] = df["raison"].fillna("").to_numpy()
    return table


# Where a breakdown leaves a cell without a figure, its base says why, in these words.
NO_FIGURE_NOTE = f"sans chiffre : moins de {MIN_N} réponses, précision ou Maisons insuffisantes"
SIGNIFICANCE_NOTE = "* : écart significatif avec le reste du périmètre (seuil de 5 %, correction de Holm)"


def with_significance(table: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """The column "écart significatif" (oui / non; empty where not tested) of a breakdown's data."""
    if "ecart_significatif" in df.columns:
        tested = df["p_valeur"].notna() if "p_valeur" in df.columns else df["ecart_significatif"].notna()
        table["Écart significatif"] = [("oui" if bool(s) else "non") if t else "" for s, t in
                                       zip(df["ecart_significatif"].fillna(False), tested)]
    return table


def significance_note(df: pd.DataFrame) -> str:
    marked = "ecart_significatif" in df.columns and df["ecart_significatif"].fillna(False).astype(bool).any()
    return f" ; {SIGNIFICANCE_NOTE}" if marked else ""


NO_SURVEYS = "Aucune enquête (usagers, agents, habitants) dans ce périmètre"
NO_ANSWER = "Aucune réponse à l'"  # how each survey's own absence begins


def no_survey(con, kind: str, f: Filters) -> Absent:
    """Why a survey has no answer here: none imported (import one), none in the period chosen (its dates), or
    none in the perimeter (the filters)."""
    label = schema.KINDS[kind].source_label
    everywhere = ind.survey_count(con, kind, Filters())
    if not everywhere:
        return Absent(f"{NO_ANSWER}{label.lower()} : importez un fichier « {label} » depuis la page "
                      "« Importer des données ».")
    undated = replace(f, debut=None, fin=None)
    if (f.debut or f.fin) and ind.survey_count(con, kind, undated):
        s = ind.survey_summary(con, kind, undated)
        return Absent(f"{NO_ANSWER}{label.lower()} sur la période choisie : dans ce périmètre, ses réponses "
                      f"vont du {s['debut']:%d/%m/%Y} au {s['fin']:%d/%m/%Y}. Élargissez la période.")
    return Absent(f"{NO_ANSWER}{label.lower()} dans ce périmètre (l'enquête en compte "
                  f"{nombre(everywhere)} ailleurs) : élargissez les filtres.")


def survey_view(kind: str):
    """A view of one survey: when it has no answer in the perimeter, say so; otherwise pass on n."""
    def decorate(fn):
        @functools.wraps(fn)
        def view(con, f: Filters, *args, **kwargs):
            n = ind.survey_count(con, kind, f)
            return fn(con, f, *args, n=n, **kwargs) if n else no_survey(con, kind, f)
        return view
    return decorate


NO_ACTIVITY = Absent("Aucune demande enregistrée dans ce périmètre : importez un export d'activité depuis la page "
                     "« Importer des données », ou élargissez les filtres.")
NO_MAISON = Absent("Aucune Maison dans ce périmètre : importez le registre des Maisons ou élargissez les filtres.")


def perimetre(f: Filters) -> str:
    """The perimeter of the filters, in words: "France entière", "Région Occitanie ; format Bus"…"""
    regions = dict(zip(reference.regions()["code_region"], reference.regions()["region"]))
    deps = reference.departements().set_index("code_departement")["departement"].to_dict()

    def listed(label: str, values, names) -> str:
        return f"{label}{'s' if len(values) > 1 else ''} : " + ", ".join(names(v) for v in values)

    parts = []
    if f.regions:
        parts.append(listed("Région", f.regions, lambda c: regions.get(c, c)))
    if f.departements:
        parts.append(listed("Département", f.departements, lambda c: f"{deps.get(c, c)} ({c})"))
    if f.formats:
        parts.append(listed("Format", f.formats, lambda c: CODE_LABELS["format"].get(c, c)))
    if f.porteurs:
        parts.append(listed("Structure porteuse", f.porteurs, lambda c: CODE_LABELS["structure_porteuse"].get(c, c)))
    return " ; ".join(parts) or "France entière"


def periode(con, f: Filters) -> str:
    """The period of the figures, in words, from the data's months when no filter narrows it."""
    months = ind.activity_months(con)
    first, last = f.debut or (months[0] if months else None), f.fin or (months[-1] if months else None)
    if not first:  # no activity: the registry's own date, when its list gives one
        dates = [v["date"] for v in ind.registry_versions(con, f) if v["date"]]
        return f"au {jour(pd.Timestamp(max(dates)))}" if dates else "aucune donnée datée"
    words = [mois(pd.Timestamp(f"{m}-01")) for m in (first, last)]
    return words[0] if first == last else f"de {words[0]} à {words[1]}"


def filter_notes(con, f: Filters) -> list[str]:
    """Which chosen filters do not apply to which source, said where the figures are."""
    notes = [f"Le registre ne renseigne pas {said} : ce filtre ne s'applique pas, les chiffres portent sur toutes "
             "les Maisons du reste du périmètre." for said in ind.untold_filters(con, f)]
    if f.formats or f.porteurs:
        notes.append("Les habitants ne sont pas rattachés à une Maison : les filtres format et structure porteuse "
                     "ne s'appliquent pas à leur enquête.")
    if f.debut or f.fin:
        notes.append("La période s'applique aux demandes (par mois) et aux enquêtes (par date de réponse) ; "
                     "le registre des Maisons n'est pas daté : il compte toutes les Maisons du périmètre.")
    return notes


def no_figure_title(subject: str, row) -> str:
    """A title when the figure it would state is not given: the subject, and why."""
    reason = row.get("raison") if hasattr(row, "get") else None
    return f"{subject} : {reason if isinstance(reason, str) and reason else INSUFFISANT} dans ce périmètre"


FRANCE_SERVICES_SINCE = "2020-01-01"  # the network's name since the reform of 2019


def network_name(con, f: Filters) -> str:
    """The network's name in the era of the list the perimeter rests on: France services for a list of 2020 or
    later, Maisons de services au public before (or for a list without date)."""
    dates = [v["date"] for v in ind.registry_versions(con, f) if v["date"]]
    return "France services" if dates and max(dates) >= FRANCE_SERVICES_SINCE else "Maisons de services au public"


def data_date(con) -> str:
    """The date of the data in force: the latest import still in force, as a citation gives it."""
    when = con.execute(f"SELECT max(date_import) FROM imports WHERE {IN_FORCE}").fetchall()[0][0]
    return f"{when:%d/%m/%Y}" if when else "–"


def citation(con, f: Filters, said: str, detail: str, source_text: str, link: str | None = None) -> str:
    """A figure as an evaluator pastes it into a note: the value and what it rests on (interval, n, weighting),
    the source and the date of its data, the perimeter, the period and the link to the view."""
    text = f"{said.rstrip('.')} ({detail})." if detail else f"{said.rstrip('.')}."
    text += f" Source : {source_text or 'msap-stats'}, données du {data_date(con)}."
    text += f" Périmètre : {perimetre(f)} ; période : {periode(con, f)}."
    return text + (f" {link}" if link else "")


def chart_citation(con, f: Filters, chart, link: str | None = None) -> str:
    """A chart's finding as cited: its title, with the interval of the share it names where its table has it."""
    detail = chart.base
    data = chart.donnees
    if "Part (%)" in data and "IC 95 % bas" in data and chart.titre[:1].isdigit():
        named = first_number(chart.titre)
        rows = data[(data["Part (%)"].round(0) == named) & data["IC 95 % bas"].notna()]
        if len(rows) == 1:  # one share named: its interval (two alike in the title's rounding: none guessed)
            row = rows.iloc[0]
            detail = f"IC 95 % : {nombre(row['IC 95 % bas'], 1)} – {nombre(row['IC 95 % haut'], 1)} ; {detail}"
    return citation(con, f, chart.titre, detail, chart.source, link)


def key_figure_citation(con, f: Filters, k: KeyFigure, link: str | None = None) -> str:
    return citation(con, f, f"{k.valeur} {k.texte}", k.detail, k.source, link)
