"""What each page shows: key figures and charts built from the indicators.

Every function takes a connection (or cursor) and a ``Filters`` and returns a
``Chart`` (or ``Absent`` with the reason there is nothing to show), a
DataFrame, or key figures. No Streamlit here: the pages lay these out, and the
exports reuse them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from . import indicators as ind
from . import network, reference, referentiels, schema, stats, theme
from .figures import INSUFFISANT, Chart, departements_map, diverging, finish, grouped_hbar, hbar, heatmap, histogram, line, \
    points_map, stacked_columns, status_bars
from .fmt import MOIS_COURTS, first_number, mois, nombre, pct
from .indicators import Filters
from .store import is_demo, loaded_files
from .survey.design import METHOD_WEIGHTS

DEMO_SOURCE = "Données de démonstration"
# What the demo is, said on every page and in every pack built from it.
DEMO_NOTICE = ("réseau synthétique calibré pour reproduire les chiffres publiés en février 2017 (enquête BVA, "
               "novembre 2016) ; aucun chiffre de cette base ne décrit une Maison réelle.")
SURVEY_SOURCES = {"usagers": "Enquête usagers", "agents": "Enquête agents", "habitants": "Enquête habitants"}
PUBLIC_NOUN = {"usagers": "usagers", "agents": "agents", "habitants": "habitants"}
BREAKDOWNS = {"sexe": "Sexe", "tranche_age": "Tranche d'âge", "situation": "Situation", "region": "Région",
              "type_territoire": "Type de territoire"}
BREAKDOWN_PHRASES = {"sexe": "selon le sexe", "tranche_age": "selon l'âge", "situation": "selon la situation",
                     "region": "selon la région", "type_territoire": "selon le type de territoire"}
MAP_CATEGORIES = {"fixe": "Fixe", "antenne": "Antenne", "multisites": "Multisites", "itinerante": "Itinérante",
                  "bus": "Bus"}
MAP_COLOURS = {"fixe": theme.BLEU_FRANCE, "antenne": "#E4794A", "multisites": "#B7A73F", "itinerante": "#009081",
               "bus": "#A558A0"}
DEPARTEMENT_METRICS = {
    "maisons_100k": ("Maisons pour 100 000 habitants", "Maisons / 100 000 hab."),
    "demandes_1000": ("Demandes pour 1 000 habitants", "Demandes / 1 000 hab."),
    "tres_satisfait": ("Usagers très satisfaits de l'accueil (%)", "Très satisfaits (%)"),
}


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


# --- Sources and labels -------------------------------------------------------------

def source(con, kind: str) -> str:
    if is_demo(con, kind):
        return DEMO_SOURCE
    files = loaded_files(con, kind)
    if kind == "maisons" and files and all(f.startswith("liste-fs") for f in files):
        return f"ANCT, liste des structures France services ({', '.join(files)})"
    label = SURVEY_SOURCES.get(kind) or schema.KINDS[kind].source_label
    return f"{label} ({', '.join(files[:3])}{'…' if len(files) > 3 else ''})" if files else label


def survey_base(shares: pd.DataFrame, kind: str, f: Filters | None = None) -> str:
    """The base a chart rests on: those who answered its question(s), as counted in the data behind it.

    When the survey has a single Maison, the intervals rest on the weights alone: the footer says so.
    """
    values = sorted({int(v) for v in shares["n"] if v == v and v})
    count = nombre(values[0]) if values else "0"
    if len(values) > 1:
        count = f"{count} à {nombre(values[-1])}"
    varies = " (selon la question)" if len(values) > 1 else ""
    weighted = ", pondéré" if kind != "agents" else ""
    single = "methode" in shares.columns and (shares["methode"] == METHOD_WEIGHTS).any()
    method = "IC à 95 % sur les poids seuls : une seule Maison dans l'enquête" if single else "IC à 95 % (plan de sondage)"
    base = f"n = {count} {PUBLIC_NOUN[kind]} ayant répondu{varies}{weighted} ; {method}"
    if kind == "habitants" and f is not None and (f.formats or f.porteurs):
        base += " ; les habitants ne sont pas rattachés à une Maison : filtres format et porteur sans objet"
    return base


THEME_LABELS = schema.labels(schema.THEMATIQUES)
OPERATOR_LABELS = schema.labels(schema.OPERATEURS)
ACCOMP_LABELS = schema.labels(schema.TYPES_ACCOMPAGNEMENT)
CODE_LABELS = {"sexe": schema.labels(schema.SEXES), "tranche_age": schema.labels(schema.TRANCHES_AGE),
               "situation": schema.labels(schema.SITUATIONS), "type_territoire": schema.labels(schema.TERRITOIRES),
               "format": schema.labels(schema.FORMATS), "structure_porteuse": schema.labels(schema.PORTEURS)}


def _rank(code, labels: dict[str, str]) -> tuple[int, float]:
    """Codes in the order of their list; a survey's own categories after them, by their first number."""
    order = list(labels)
    if code in labels:
        return order.index(code), 0.0
    return len(order), first_number(str(code)) if code is not None else float("inf")


def _label(code, labels: dict[str, str]) -> str:
    return labels.get(code, code) if code is not None else "Non renseigné"


def _label_groups(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Groups in the order of their code list (age bands in age order), then labelled."""
    labels = CODE_LABELS.get(by, {})
    df = df.assign(_rang=df[by].map(lambda v: _rank(v, labels))).sort_values(["_rang"], kind="stable")
    df[by] = df[by].map(lambda v: _label(v, labels))
    return df.drop(columns="_rang")


def _month_label(d) -> str:
    return f"{MOIS_COURTS[d.month - 1]}<br>{d.year}"


def _share_table(df: pd.DataFrame, label_title: str, first: str = "libelle") -> pd.DataFrame:
    table = pd.DataFrame({label_title: df[first], "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"],
                          "IC 95 % haut": df["ic_haut"], "Réponses": df["n"]})
    return _with_significance(table, df)


SIGNIFICANCE_NOTE = "* : écart significatif avec le reste du périmètre (seuil de 5 %, correction de Holm)"


def _with_significance(table: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """The column "écart significatif" (oui / non; empty where not tested) of a breakdown's data."""
    if "ecart_significatif" in df.columns:
        tested = df["p_valeur"].notna() if "p_valeur" in df.columns else df["ecart_significatif"].notna()
        table["Écart significatif"] = [("oui" if bool(s) else "non") if t else "" for s, t in
                                       zip(df["ecart_significatif"].fillna(False), tested)]
    return table


def _significance_note(df: pd.DataFrame) -> str:
    marked = "ecart_significatif" in df.columns and df["ecart_significatif"].fillna(False).astype(bool).any()
    return f" ; {SIGNIFICANCE_NOTE}" if marked else ""


def _no_survey(kind: str) -> Absent:
    return Absent(f"Aucune réponse à l'{SURVEY_SOURCES[kind].lower()} dans ce périmètre : importez un fichier "
                  f"« {SURVEY_SOURCES[kind]} » depuis la page « Importer des données », "
                  "ou élargissez les filtres.")


def survey_view(kind: str):
    """A view of one survey: when it has no answer in the perimeter, say so; otherwise pass on n."""
    def decorate(fn):
        @functools.wraps(fn)
        def view(con, f: Filters, *args, **kwargs):
            n = ind.survey_count(con, kind, f)
            return fn(con, f, *args, n=n, **kwargs) if n else _no_survey(kind)
        return view
    return decorate


MOTIF_PHRASES = {"aide_dossier": "être accompagnés dans la constitution d'un dossier",
                 "renseignement": "obtenir un renseignement",
                 "outils_libre_acces": "utiliser librement les outils numériques",
                 "demarche_en_ligne": "être aidés dans une démarche en ligne"}
NO_ACTIVITY = Absent("Aucune demande enregistrée dans ce périmètre : importez un export d'activité depuis la page "
                     "« Importer des données », ou élargissez les filtres.")
NO_MAISON = Absent("Aucune Maison dans ce périmètre : importez le registre des Maisons ou élargissez les filtres.")


# --- Vue d'ensemble ------------------------------------------------------------------

# The survey figures of the overview: public -> (indicator, sentence, page), as the En bref note quotes them.
KEY_SURVEY_FIGURES = {
    "usagers": [("aide_dossier", f"des usagers viennent pour {MOTIF_PHRASES['aide_dossier']}",
                 "motifs"),
                ("tres_satisfait", "des usagers sont très satisfaits de l'accueil", "satisfaction"),
                ("simplifie_quotidien", "des usagers disent que la Maison simplifie leur quotidien", "satisfaction")],
    "agents": [("se_sent_utile", "des agents se sentent utiles", "regards")],
    "habitants": [("connait_maison_commune", "des habitants savent qu'il y a une Maison dans leur commune", "regards")],
}


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
    if not first:
        return "aucune donnée datée"
    words = [mois(pd.Timestamp(f"{m}-01")) for m in (first, last)]
    return words[0] if first == last else f"de {words[0]} à {words[1]}"


def filter_notes(f: Filters) -> list[str]:
    """Which chosen filters do not apply to which source, said where the figures are."""
    notes = []
    if f.formats or f.porteurs:
        notes.append("Les habitants ne sont pas rattachés à une Maison : les filtres format et structure porteuse "
                     "ne s'appliquent pas à leur enquête.")
    if f.debut or f.fin:
        notes.append("La période s'applique aux demandes (par mois) et aux enquêtes (par date de réponse) ; "
                     "le registre des Maisons n'est pas daté : il compte toutes les Maisons du périmètre.")
    return notes


def key_figures(con, f: Filters) -> list[KeyFigure]:
    m = ind.maisons_summary(con, f)
    out = [KeyFigure(nombre(m["total"]), "Maisons dans le périmètre",
                     f"dont {nombre(m['heures_hebdo']['inconnues'])} sans horaires connus", source(con, "maisons"),
                     "reseau")]
    for kind, wanted in KEY_SURVEY_FIGURES.items():
        n = ind.survey_count(con, kind, f)
        catalog = {**ind.SURVEY_INDICATORS[kind], **(ind.MOTIFS if kind == "usagers" else {})}
        figs = ind.shares(con, kind, {key: catalog[key] for key, _, _ in wanted}, f).set_index("item") if n else None
        for key, text, page in wanted:
            fig = stats.as_figure(figs.loc[key]) if n else None
            out.append(_survey_key_figure(fig, text, kind, n, con, page))
        if kind == "usagers":  # the activity figure comes after the users', as in the note
            months = ind.health_share_by_month(con, f)
            total = int(months["total"].sum()) if len(months) else 0
            health = ind.health_share(months)
            out.append(KeyFigure(nombre(total), "demandes traitées", f"dont {pct(health)} en santé ou dépendance",
                                 source(con, "activite"), "activite") if total else
                       KeyFigure("–", "demandes traitées", "aucune demande enregistrée dans ce périmètre", "",
                                 "activite"))
    return out


def _survey_key_figure(fig: dict | None, text: str, kind: str, n: int, con, page: str) -> KeyFigure:
    if not n:
        return KeyFigure("–", text, f"aucune réponse à l'{SURVEY_SOURCES[kind].lower()} dans ce périmètre", "", page)
    if fig["pct"] is None:
        return KeyFigure("–", text, f"{fig.get('raison') or INSUFFISANT} (n = {nombre(fig['n'])})",
                         source(con, kind), page)
    low, high = fig["ic95"]
    return KeyFigure(pct(fig["pct"]), text,
                     f"n = {nombre(fig['n'])} {PUBLIC_NOUN[kind]} ; IC 95 % : {nombre(low, 1)} – {nombre(high, 1)}",
                     source(con, kind), page)


# --- Motifs de visite -----------------------------------------------------------------

@survey_view("usagers")
def motifs_usagers(con, f: Filters, height: int = 400, *, n: int) -> Chart | Absent:
    df = ind.shares(con, "usagers", ind.MOTIFS, f)
    top = df.sort_values("pct", ascending=False).iloc[0]
    title = (f"{pct(top['pct'])} des usagers viennent pour {MOTIF_PHRASES[top['item']]}"
             if pd.notna(top["pct"]) else _no_figure_title("Motifs de visite des usagers", top))
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut")
    return finish(Chart("motifs", title + " (plusieurs réponses possibles)", fig, _share_table(df, "Motif"),
                        survey_base(df, "usagers"), source(con, "usagers")), height)


def _activity_chart(con, f: Filters, column: str, labels: dict, key: str, title_fmt: str, label_title: str,
                    height: int, limit: int | None = None) -> Chart | Absent:
    df = ind.activity_by(con, f, column)
    if df.empty:
        return NO_ACTIVITY
    df["libelle"] = df["code"].map(lambda c: labels.get(c, c) if c is not None else "Non renseigné")
    if limit:
        df = df.head(limit)
    top = df.iloc[0]
    fig = hbar(df, "libelle", "pct")
    fig.update_traces(customdata=[nombre(v) for v in df["n"]],
                      hovertemplate="%{y} : %{text} (%{customdata} demandes)<extra></extra>")
    data = pd.DataFrame({label_title: df["libelle"], "Demandes": df["n"], "Part (%)": df["pct"]})
    total = int(df["n"].sum())
    return finish(Chart(key, title_fmt.format(label=top["libelle"], pct=pct(top["pct"])), fig, data,
                        f"n = {nombre(total)} demandes", source(con, "activite")), height)


def demandes_par_thematique(con, f: Filters, height: int = 480) -> Chart | Absent:
    return _activity_chart(con, f, "thematique", THEME_LABELS, "thematiques",
                           "« {label} » : {pct} des demandes, la première thématique", "Thématique", height)


def demandes_par_operateur(con, f: Filters, height: int = 440) -> Chart | Absent:
    return _activity_chart(con, f, "operateur", OPERATOR_LABELS, "operateurs",
                           "{label} : {pct} des demandes, le premier opérateur sollicité", "Opérateur", height)


def types_accompagnement(con, f: Filters, height: int = 340) -> Chart | Absent:
    return _activity_chart(con, f, "type_accompagnement", ACCOMP_LABELS, "accompagnement",
                           "« {label} » : {pct} des demandes", "Type d'accompagnement", height)


def part_sante_dependance(con, f: Filters, height: int = 360) -> Chart | Absent:
    per_month = ind.health_share_by_month(con, f)
    if per_month.empty:
        return NO_ACTIVITY
    per_month["label"] = per_month["mois"].map(_month_label)
    fig = line(per_month, "label", "pct", y_title="Part des demandes (%)")
    fig.update_traces(customdata=[pct(v, 1) for v in per_month["pct"]])
    fig.update_layout(yaxis=dict(ticksuffix="\u00a0%", rangemode="tozero"))
    data = pd.DataFrame({"Mois": per_month["mois"].map(mois), "Demandes santé ou dépendance": per_month["sante"].astype(int),
                         "Demandes": per_month["total"].astype(int), "Part (%)": per_month["pct"].round(2)})
    return finish(Chart("sante", f"{pct(ind.health_share(per_month))} des demandes portent sur la santé ou la dépendance",
                        fig, data, f"n = {nombre(int(per_month['total'].sum()))} demandes", source(con, "activite")),
                  height)


@survey_view("usagers")
def motifs_par_region(con, f: Filters, height: int = 560, *, n: int) -> Chart | Absent:
    df = ind.shares(con, "usagers", ind.MOTIFS, f, by="region")
    df = df[df["region"].notna()]
    shown = df[df["pct"].notna() & (df["item"] == "aide_dossier")]
    if shown["region"].nunique() < 2:
        title = "Motifs de visite des usagers par région"
    else:
        best = shown.sort_values("pct").iloc[-1]
        spread = (f"La part des usagers venus pour {MOTIF_PHRASES['aide_dossier']} va de {pct(shown['pct'].min())} "
                  f"à {pct(best['pct'])} selon la région")
        # A région is named only when it differs significantly from the rest of the perimeter.
        title = (f"{spread} ({best['region']})" if best["ecart_significatif"]
                 else f"{spread} : des écarts dans la marge d'erreur")
    short = {k: v[0] for k, v in ind.MOTIFS.items()}
    df["Motif"] = df["item"].map(short)
    fig = heatmap(df, "region", "Motif", "pct", col_order=list(short.values()))
    data = _with_significance(pd.DataFrame({"Région": df["region"], "Motif": df["Motif"], "Part (%)": df["pct"],
                                            "IC 95 % bas": df["ic_bas"], "IC 95 % haut": df["ic_haut"],
                                            "Réponses": df["n"]}), df)
    return finish(Chart("motifs_regions", title, fig, data,
                        f"n = {nombre(int(df.groupby('region')['n'].max().sum()))} usagers, pondéré ; "
                        "sans chiffre : moins de 30 réponses, précision ou Maisons insuffisantes"
                        + _significance_note(df), source(con, "usagers")), height)


def thematiques_par_region(con, f: Filters, height: int = 600) -> Chart | Absent:
    df = ind.activity_by_pair(con, f, "region", "thematique")
    if df.empty:
        return NO_ACTIVITY
    df = df[df["a"].notna()]
    df["Thématique"] = df["b"].map(THEME_LABELS)
    order = [THEME_LABELS[c.code] for c in schema.THEMATIQUES]
    emploi = df[df["b"] == "emploi"].sort_values("pct")
    title = (f"La part de l'emploi va de {pct(emploi['pct'].min())} à {pct(emploi['pct'].max())} des demandes "
             "selon la région" if len(emploi) > 1 else "Thématiques des demandes par région")
    fig = heatmap(df, "a", "Thématique", "pct", col_order=order)
    data = pd.DataFrame({"Région": df["a"], "Thématique": df["Thématique"], "Demandes": df["n"], "Part (%)": df["pct"]})
    return finish(Chart("thematiques_regions", title, fig, data, f"n = {nombre(int(df['n'].sum()))} demandes",
                        source(con, "activite")), height)


# --- Satisfaction --------------------------------------------------------------------

@survey_view("usagers")
def satisfaction_accueil(con, f: Filters, by: str | None = None, height: int = 380, *, n: int) -> Chart | Absent:
    overall = ind.distribution(con, "usagers", "satisfaction_accueil", f)
    overall.insert(0, "groupe", "Ensemble des usagers")
    frames = [overall]
    if by:
        detail = _label_groups(ind.distribution(con, "usagers", "satisfaction_accueil", f, by=by), by)
        frames.append(detail.rename(columns={by: "groupe"}))
    df = pd.concat(frames, ignore_index=True)
    order = [c.code for c in schema.SATISFACTION]
    labels = schema.labels(schema.SATISFACTION)
    fig = diverging(df, "groupe", "item", "pct", order, labels, theme.SATISFACTION_COULEURS)
    very_row = overall.set_index("item").loc["tres_satisfait"]
    very = very_row["pct"]
    title = (f"{pct(very)} des usagers sont très satisfaits de l'accueil" if pd.notna(very)
             else _no_figure_title("Satisfaction de l'accueil", very_row))
    data = _with_significance(pd.DataFrame({"Groupe": df["groupe"], "Niveau": df["item"].map(labels),
                                            "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"],
                                            "IC 95 % haut": df["ic_haut"], "Réponses": df["n"]}), df)
    rows = df["groupe"].nunique()
    tested = " ; écarts de chaque groupe avec le reste testés (colonne « Écart significatif »)" if by else ""
    return finish(Chart("satisfaction", title, fig, data, survey_base(overall, "usagers") + tested,
                        source(con, "usagers")),
                  max(height, 160 + 42 * rows))


def _indicator_by(con, f: Filters, kind: str, key: str, by: str | None, chart_key: str, title_fmt: str,
                  height: int) -> Chart | Absent:
    n = ind.survey_count(con, kind, f)
    if not n:
        return _no_survey(kind)
    label, cond = ind.SURVEY_INDICATORS[kind][key]
    overall = ind.shares(con, kind, {key: (label, cond)}, f)
    overall.insert(0, "groupe", f"Ensemble des {PUBLIC_NOUN[kind]}")
    frames = [overall]
    if by:
        detail = _label_groups(ind.shares(con, kind, {key: (label, cond)}, f, by=by), by)
        frames.append(detail.rename(columns={by: "groupe"}))
    df = pd.concat(frames, ignore_index=True)
    value = overall["pct"].iloc[0]
    title = title_fmt.format(pct=pct(value)) if pd.notna(value) else _no_figure_title(label, overall.iloc[0])
    fig = hbar(df, "groupe", "pct", low="ic_bas", high="ic_haut",
               colors=[theme.BLEU_FRANCE] + ["#6A6AF4"] * (len(df) - 1))
    data = _share_table(df, BREAKDOWNS.get(by, "Groupe") if by else "Groupe", first="groupe")
    return finish(Chart(chart_key, title, fig, data, survey_base(overall, kind, f) + _significance_note(df),
                        source(con, kind)), max(height, 140 + 38 * len(df)))


def tres_satisfaits_par(con, f: Filters, by: str | None = None, height: int = 360) -> Chart | Absent:
    return _indicator_by(con, f, "usagers", "tres_satisfait", by, "tres_satisfaits",
                         "{pct} des usagers très satisfaits de l'accueil" +
                         (f" ; le détail {BREAKDOWN_PHRASES[by]}" if by else ""), height)


def simplifie_quotidien(con, f: Filters, by: str | None = None, height: int = 360) -> Chart | Absent:
    return _indicator_by(con, f, "usagers", "simplifie_quotidien", by, "simplifie",
                         "{pct} des usagers disent que la Maison simplifie leur quotidien", height)


@survey_view("usagers")
def attentes(con, f: Filters, height: int = 420, *, n: int) -> Chart | Absent:
    df = ind.distribution(con, "usagers", "attente_principale", f)
    df = df[(df["pct"] > 0) | df["pct"].isna()].sort_values("pct", ascending=False)
    if df.empty:
        return Absent("Aucune attente principale renseignée dans ce périmètre.")
    top = df.iloc[:3]
    title = "Attentes principales : " + ", ".join(f"{r.libelle.split(',')[0].lower()} {pct(r.pct)}"
                                                  for r in top.itertuples() if pd.notna(r.pct))
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut")
    return finish(Chart("attentes", title, fig, _share_table(df, "Attente principale"), survey_base(df, "usagers"),
                        source(con, "usagers")), height)


# --- Regards croisés --------------------------------------------------------------------

SAME_VIEW_POINTS = 10  # publics "see the same effects" when no effect differs by this many points or more


def impacts_compares(con, f: Filters, height: int = 520) -> Chart | Absent:
    df = ind.impacts_compared(con, f)
    counts = {k: ind.survey_count(con, k, f) for k in ("usagers", "agents", "habitants")}
    if not any(counts.values()):
        return Absent("Aucune enquête (usagers, agents, habitants) dans ce périmètre : importez au moins une enquête.")
    df = df[df["public"].map(counts) > 0]
    pivot = df.pivot_table(index="item", columns="public", values="pct", aggfunc="first")
    gaps = (pivot.max(axis=1) - pivot.min(axis=1)).dropna()
    if len(gaps) and pivot.shape[1] > 1:
        item = gaps.idxmax()
        publics = {2: "Les deux publics", 3: "Les trois publics"}[pivot.shape[1]]
        effect = f"« {ind.IMPACTS[item][0].lower()} » ({nombre(gaps.max())} points)"
        title = (f"{publics} voient des effets proches ; l'écart le plus net porte sur {effect}"
                 if gaps.max() < SAME_VIEW_POINTS else f"{publics} ne voient pas les mêmes effets : {effect} d'écart")
    else:
        title = "Effets perçus de la Maison sur le territoire"
    fig = grouped_hbar(df, "libelle", "public", "pct", low="ic_bas", high="ic_haut", colors=theme.PUBLICS,
                       group_labels=theme.PUBLICS_LABELS)
    data = pd.DataFrame({"Effet perçu": df["libelle"], "Public": df["public"].map(theme.PUBLICS_LABELS),
                         "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"], "IC 95 % haut": df["ic_haut"],
                         "Réponses": df["n"]})
    base = " ; ".join(f"{theme.PUBLICS_LABELS[k]} n = {nombre(v)}" for k, v in counts.items() if v)
    sources = sorted({source(con, k) for k, v in counts.items() if v})
    return finish(Chart("impacts", title, fig, data, base + " ; pondéré, IC 95 %", " ; ".join(sources)), height)


def _no_figure_title(subject: str, row) -> str:
    """A title when the figure it would state is not given: the subject, and why."""
    reason = row.get("raison") if hasattr(row, "get") else None
    return f"{subject} : {reason if isinstance(reason, str) and reason else INSUFFISANT} dans ce périmètre"


def _survey_profile(con, f: Filters, kind: str, key: str, title_fmt: str, height: int,
                    items: dict | None = None, subject: str = "") -> Chart | Absent:
    n = ind.survey_count(con, kind, f)
    if not n:
        return _no_survey(kind)
    df = ind.shares(con, kind, items or ind.SURVEY_INDICATORS[kind], f)
    first = df.iloc[0]
    title = title_fmt.format(pct=pct(first["pct"])) if pd.notna(first["pct"]) else _no_figure_title(subject, first)
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut",
               colors=[theme.PUBLICS[kind]] * len(df))
    return finish(Chart(key, title, fig, _share_table(df, "Indicateur"), survey_base(df, kind, f),
                        source(con, kind)),
                  height)


def profil_agents(con, f: Filters, height: int = 400) -> Chart | Absent:
    items = dict(ind.SURVEY_INDICATORS["agents"])
    return _survey_profile(con, f, "agents", "agents", "Les agents : {pct} de femmes", height,
                           {k: items[k] for k in ("femmes", "fonctionnaires", "se_sent_utile", "appartenance_reseau",
                                                  "mission_accueil")}, subject="Qui sont les agents")


@survey_view("agents")
def missions_agents(con, f: Filters, height: int = 340, *, n: int) -> Chart | Absent:
    df = ind.distribution(con, "agents", "mission_principale", f).sort_values("pct", ascending=False)
    top = df.iloc[0]
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut", colors=[theme.PUBLICS["agents"]] * len(df))
    title = (f"{pct(top['pct'])} des agents ont pour mission principale « {top['libelle'].lower()} »"
             if pd.notna(top["pct"]) else _no_figure_title("Mission principale des agents", top))
    return finish(Chart("missions", title, fig, _share_table(df, "Mission principale"),
                        survey_base(df, "agents"), source(con, "agents")), height)


@survey_view("agents")
def arrivee_agents(con, f: Filters, height: int = 340, *, n: int) -> Chart | Absent:
    df = ind.arrival_years(con, f)
    if df.empty:
        return Absent("Les agents de ce périmètre n'ont pas donné leur année d'arrivée dans le réseau.")
    last = df.iloc[-1]
    title = (f"{pct(last['pct'])} des agents ont rejoint le réseau en {last['libelle']}" if pd.notna(last["pct"])
             else "Année d'arrivée des agents dans le réseau")
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut", colors=[theme.PUBLICS["agents"]] * len(df))
    fig.update_yaxes(type="category")  # years are labels here, not numbers to write "2 016"
    return finish(Chart("arrivee_agents", title, fig, _share_table(df, "Année d'arrivée"),
                        survey_base(df, "agents"), source(con, "agents")), max(height, 120 + 34 * len(df)))


def habitants_connaissance(con, f: Filters, height: int = 340) -> Chart | Absent:
    return _survey_profile(con, f, "habitants", "habitants",
                           "{pct} des habitants savent qu'il y a une Maison dans leur commune", height,
                           subject="Ce que les habitants savent de la Maison")


@survey_view("habitants")
def qualite_offre(con, f: Filters, height: int = 300, *, n: int) -> Chart | Absent:
    df = ind.distribution(con, "habitants", "qualite_offre", f)
    df.insert(0, "groupe", "Ensemble des habitants")
    order = [c.code for c in schema.QUALITE]
    colours = dict(zip(order, theme.SATISFACTION_COULEURS.values()))
    fig = diverging(df, "groupe", "item", "pct", order, schema.labels(schema.QUALITE), colours)
    good = df.loc[df["item"].isin(order[:2]), "pct"].sum(min_count=2)
    title = (f"{pct(good)} des habitants jugent l'offre de bonne qualité" if pd.notna(good)
             else _no_figure_title("Qualité de l'offre", df.iloc[0]))
    data = pd.DataFrame({"Niveau": df["libelle"], "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"],
                         "IC 95 % haut": df["ic_haut"], "Réponses": df["n"]})
    return finish(Chart("qualite", title, fig, data, survey_base(df, "habitants", f), source(con, "habitants")),
                  height)


# --- Activité ----------------------------------------------------------------------------

def demandes_par_mois(con, f: Filters, height: int = 380) -> Chart | Absent:
    df = ind.activity_by(con, f, "mois").sort_values("code")
    if df.empty:
        return NO_ACTIVITY
    df["mois"] = df["code"].map(_month_label)
    total = int(df["n"].sum())
    peak = df.sort_values("n").iloc[-1]
    fig = line(df, "mois", "n", y_title="Demandes")
    title = (f"{nombre(total)} demandes de {mois(df['code'].iloc[0])} à {mois(df['code'].iloc[-1])} ; "
             f"le plus en {mois(peak['code'])}")
    data = pd.DataFrame({"Mois": df["code"].map(mois), "Demandes": df["n"]})
    return finish(Chart("mois", title, fig, data, f"n = {nombre(total)} demandes", source(con, "activite")), height)


def _months_by(con, f: Filters, column: str, labels: dict, key: str, title: str, legend: str,
               height: int) -> Chart | Absent:
    df = ind.activity_by_pair(con, f, "mois", column)
    if df.empty:
        return NO_ACTIVITY
    df = df.sort_values(["a", "n"], ascending=[True, False])
    df["mois"] = df["a"].map(_month_label)
    df["serie"] = df["b"].map(lambda c: labels.get(c, c) if c is not None else "Non renseigné")
    order = df.groupby("serie")["n"].sum().sort_values(ascending=False).index
    df["serie"] = pd.Categorical(df["serie"], categories=order, ordered=True)
    df = df.sort_values(["serie", "a"])
    fig = stacked_columns(df, "mois", "serie", "n", y_title="Demandes")
    title = f"{title} : {_leader(df.groupby('serie', observed=True)['n'].sum())}"
    data = pd.DataFrame({"Mois": df["a"].map(mois), legend: df["serie"].astype(str), "Demandes": df["n"],
                         "Part du mois (%)": df["pct"]})
    return finish(Chart(key, title, fig, data, f"n = {nombre(int(df['n'].sum()))} demandes",
                        source(con, "activite")), height)


LEAD_MARGIN = 5  # points: a count "leads" only when its share exceeds the next one's by this much


def _leader(totals: pd.Series) -> str:
    """The category that leads a count, named only when it stands out from the next."""
    totals = totals.sort_values(ascending=False)
    shares = 100 * totals / totals.sum() if totals.sum() else totals
    if len(shares) == 1:
        return f"{shares.index[0].lower()} seulement"
    if shares.iloc[0] - shares.iloc[1] >= LEAD_MARGIN:
        return f"{shares.index[0].lower()} en tête, {pct(shares.iloc[0])} des demandes de la période"
    return (f"{shares.index[0].lower()} ({pct(shares.iloc[0])}) et {shares.index[1].lower()} "
            f"({pct(shares.iloc[1])}) au coude à coude")


def demandes_mois_thematique(con, f: Filters, height: int = 480) -> Chart | Absent:
    return _months_by(con, f, "thematique", THEME_LABELS, "mois_thematique", "Thématiques des demandes, mois par mois",
                      "Thématique", height)


def demandes_mois_accompagnement(con, f: Filters, height: int = 420) -> Chart | Absent:
    return _months_by(con, f, "type_accompagnement", ACCOMP_LABELS, "mois_accompagnement",
                      "Types d'accompagnement, mois par mois", "Type d'accompagnement", height)


def demandes_par_maison(con, f: Filters, height: int = 360) -> Chart | Absent:
    df = ind.activity_per_maison(con, f)
    if df.empty or df["demandes"].sum() == 0:
        return NO_ACTIVITY
    active = df[df["demandes"] > 0]
    med = active["demandes"].median()
    fig = histogram(active["demandes"], x_title="Demandes sur la période")
    data = pd.DataFrame({"Maison": df["nom"], "Département": df["code_departement"], "Demandes": df["demandes"]})
    silent = len(df) - len(active)
    base = f"{nombre(len(active))} Maisons ayant remonté leur activité" + (
        f" ; {nombre(silent)} Maisons du périmètre sans activité remontée, hors du calcul" if silent else "")
    return finish(Chart("par_maison", f"Une Maison traite en médiane {nombre(med)} demandes sur la période",
                        fig, data, base, source(con, "activite")), height)


def demandes_par_heure(con, f: Filters, height: int = 360) -> Chart | Absent:
    df = ind.activity_per_maison(con, f)
    df = df[df["demandes_par_heure"].notna()]
    if df.empty or df["demandes"].sum() == 0:
        return NO_ACTIVITY
    med = df["demandes_par_heure"].median()
    fig = histogram(df["demandes_par_heure"], x_title="Demandes par heure d'ouverture")
    data = pd.DataFrame({"Maison": df["nom"], "Département": df["code_departement"],
                         "Heures d'ouverture par semaine": df["heures_hebdo"],
                         "Demandes par heure d'ouverture": df["demandes_par_heure"].round(3)})
    return finish(Chart("par_heure", f"En médiane, {nombre(med, 1)} demande(s) par heure d'ouverture", fig, data,
                        f"{nombre(len(df))} Maisons aux horaires connus", source(con, "activite")), height)


PROFILE_WHAT = {"tranche_age": "l'âge", "sexe": "le sexe"}


def profil_public(con, f: Filters, column: str = "tranche_age", height: int = 320) -> Chart | Absent:
    labels = CODE_LABELS[column]
    title = {"tranche_age": "Les 40-59 ans forment {pct} du public accueilli",
             "sexe": "Les femmes forment {pct} du public accueilli"}[column]
    df = ind.activity_by(con, f, column)
    if df.empty:
        return NO_ACTIVITY
    if df["code"].isna().all():  # a count of « Non renseigné » at 100 % would say nothing
        return Absent(f"L'activité de ce périmètre ne renseigne pas {PROFILE_WHAT[column]} des usagers.")
    df["libelle"] = df["code"].map(lambda c: _label(c, labels))
    df = df.assign(rang=df["code"].map(lambda c: _rank(c, labels))).sort_values("rang", kind="stable")
    ref = "40_59" if column == "tranche_age" else "femme"
    value = df.loc[df["code"] == ref, "pct"]
    fig = hbar(df, "libelle", "pct")
    data = pd.DataFrame({BREAKDOWNS[column]: df["libelle"], "Demandes": df["n"], "Part (%)": df["pct"]})
    return finish(Chart(f"profil_{column}", title.format(pct=pct(value.iloc[0])) if len(value) else "Profil du public",
                        fig, data, f"n = {nombre(int(df['n'].sum()))} demandes", source(con, "activite")), height)


def classement_maisons(con, f: Filters) -> pd.DataFrame:
    df = ind.activity_per_maison(con, f)
    return pd.DataFrame({"Rang": range(1, len(df) + 1), "Maison": df["nom"],
                         "Département": df["departement"].fillna("") + " (" + df["code_departement"] + ")",
                         "Région": df["region"], "Format": df["format"].map(CODE_LABELS["format"]),
                         "Demandes": df["demandes"].astype(int),
                         "Heures par semaine": df["heures_hebdo"], "Demandes par heure": df["demandes_par_heure"].round(2)})


# --- Territoires ---------------------------------------------------------------------------

def zones(con, f: Filters) -> dict[str, str]:
    """Territories a map can show: métropole, then each overseas département holding Maisons."""
    codes = set(ind.maisons_summary(con, f)["par_departement"])
    deps = reference.departements().set_index("code_departement")["departement"]
    out = {"metropole": "France métropolitaine"} if any(c < "971" for c in codes) else {}
    for c in sorted(c for c in codes if c >= "971"):
        out[c] = deps.get(c, c)
    return out


def _in_zone(codes: pd.Series, zone: str) -> pd.Series:
    return codes < "971" if zone == "metropole" else codes == zone


def carte_maisons(con, f: Filters, zone: str = "metropole", height: int = 640) -> Chart | Absent:
    df = ind.maison_points(con, f)
    df = df[_in_zone(df["code_departement"], zone)]
    if df.empty:
        return NO_MAISON
    df["survol"] = (df["nom"].map(theme.plain) + "<br>" + df["departement"].fillna("").map(theme.plain)
                    + " (" + df["code_departement"] + ")")
    deps = reference.departements()
    outline = deps.loc[_in_zone(deps["code_departement"], zone), "code_departement"].tolist()
    counts = df["categorie"].value_counts()
    fig = points_map(df, reference.outlines(), color_by="categorie", labels=MAP_CATEGORIES, colors=MAP_COLOURS,
                     hover="survol", outline_codes=outline)
    parts = ", ".join(f"{nombre(counts[k])} {v.lower()}" for k, v in MAP_CATEGORIES.items() if k in counts)
    data = df[["nom", "code_departement", "departement", "latitude", "longitude", "categorie"]].rename(columns={
        "nom": "Maison", "code_departement": "Code département", "departement": "Département",
        "latitude": "Latitude", "longitude": "Longitude", "categorie": "Format"})
    data["Format"] = data["Format"].map(MAP_CATEGORIES)
    return finish(Chart("carte_maisons", f"{nombre(len(df))} Maisons localisées : {parts}", fig, data,
                        f"{nombre(len(df))} Maisons géolocalisées", source(con, "maisons")), height)


def carte_departements(con, f: Filters, metric: str = "maisons_100k", zone: str = "metropole",
                       height: int = 640) -> Chart | Absent:
    table = ind.departements_table(con, f)
    table = table[_in_zone(table["code_departement"], zone)]
    if table.empty:
        return NO_MAISON
    title_metric, short = DEPARTEMENT_METRICS[metric]
    if metric == "tres_satisfait" and table["tres_satisfait"].notna().sum() == 0:
        return Absent("Pas assez de réponses d'usagers par département (30 au moins) pour cartographier la "
                      "satisfaction dans ce périmètre.")
    decimals = 0 if metric == "demandes_1000" else 1
    table["texte"] = (table["departement"] + " (" + table["code_departement"] + ")<br>" + short + " : "
                      + table[metric].map(lambda v: INSUFFISANT if pd.isna(v) else nombre(v, decimals)))
    fig = departements_map(table, reference.outlines(), value=metric, text="texte", title=short)
    best = table.sort_values(metric).dropna(subset=[metric])
    if len(best) > 1:
        title = (f"{title_metric} : de {nombre(best[metric].iloc[0], decimals)} ({best['departement'].iloc[0]}) "
                 f"à {nombre(best[metric].iloc[-1], decimals)} ({best['departement'].iloc[-1]})")
    elif len(best) == 1:  # one département in the perimeter: its value, no range
        title = f"{title_metric} : {nombre(best[metric].iloc[0], decimals)} ({best['departement'].iloc[0]})"
    else:
        title = title_metric
    data = table[["code_departement", "departement", "region", "population", "maisons", "demandes", metric]].rename(
        columns={"code_departement": "Code", "departement": "Département", "region": "Région",
                 "population": "Population", "maisons": "Maisons", "demandes": "Demandes", metric: short})
    kind = "usagers" if metric == "tres_satisfait" else ("activite" if metric == "demandes_1000" else "maisons")
    base = "population municipale INSEE ; " + ("sans chiffre : moins de 30 réponses, précision ou Maisons insuffisantes"
                                               if kind == "usagers"
                                               else f"{nombre(int(table['maisons'].sum()))} Maisons")
    return finish(Chart(f"carte_{metric}", title, fig, data, base, source(con, kind)), height)


def tableau_departements(con, f: Filters) -> pd.DataFrame:
    t = ind.departements_table(con, f)
    return pd.DataFrame({"Code": t["code_departement"], "Département": t["departement"], "Région": t["region"],
                         "Population": t["population"], "Maisons": t["maisons"],
                         "Maisons / 100 000 hab.": t["maisons_100k"].round(2), "Demandes": t["demandes"],
                         "Demandes / 1 000 hab.": t["demandes_1000"].round(1),
                         "Usagers interrogés": t["n_usagers"], "Très satisfaits (%)": t["tres_satisfait"]})


def tableau_regions(con, f: Filters) -> pd.DataFrame:
    g = ind.regions_table(con, f)
    return pd.DataFrame({"Région": g["region"], "Population": g["population"], "Maisons": g["maisons"],
                         "Maisons / 100 000 hab.": g["maisons_100k"].round(2), "Demandes": g["demandes"],
                         "Demandes / 1 000 hab.": g["demandes_1000"].round(1)})


def maisons_par_region(con, f: Filters, height: int = 520) -> Chart | Absent:
    t = tableau_regions(con, f)
    if t.empty:
        return NO_MAISON
    t = t.sort_values("Maisons / 100 000 hab.", ascending=False)
    fig = hbar(t, "Région", "Maisons / 100 000 hab.", percent=False)
    fig.update_traces(text=[nombre(v, 1) for v in t["Maisons / 100 000 hab."]])
    top = t.iloc[0]
    value = f"{top['Région']} : {nombre(top['Maisons / 100 000 hab.'], 1)} Maisons pour 100 000 habitants"
    if len(t) > 1:
        title = f"{value}, la plus forte densité"
    elif f.departements:  # the région's bar counts only the départements chosen
        title = f"{value} (départements choisis seulement)"
    else:
        title = value
    return finish(Chart("regions", title, fig,
                        t[["Région", "Population", "Maisons", "Maisons / 100 000 hab."]],
                        f"{nombre(int(t['Maisons'].sum()))} Maisons ; population municipale INSEE",
                        source(con, "maisons")), height)


# --- Réseau et critères -----------------------------------------------------------

def referentiel(con, f: Filters, choix: str = referentiels.AUTOMATIQUE) -> str:
    """The key of the frame of reference the page applies to the perimeter."""
    return network.frame(ind.maisons_for_criteria(con, f), choix)[0].key


def conformite(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM, choix: str = referentiels.AUTOMATIQUE,
               height: int | None = None) -> Chart | Absent:
    df, referentiel, why = network.compliance(con, f, seuil_km, choix)
    if df.empty:
        return NO_MAISON
    known, unknown = network.documented(df, referentiel)
    missing = f" ; {referentiels.NON_RENSEIGNE} : " + ", ".join(c.label for c in unknown) if unknown else ""
    if not known:
        return Absent(f"{referentiel.label} : aucun de ses critères n'est renseigné dans ce registre pour les "
                      f"Maisons de ce périmètre.")
    summary = network.summary(df, referentiel)
    summary["Critère"] = [f"À plus de {nombre(seuil_km, 1)} km à vol d'oiseau de la Maison la plus proche"
                          if k == "distance" else label for k, label in zip(summary["critere"], summary["Critère"])]
    hours = referentiel.critere("heures")
    counts = summary[summary["critere"] == hours.key].set_index("Statut")["Maisons"]
    judged = counts.get(referentiels.CONFORME, 0) + counts.get(referentiels.NON_CONFORME, 0)
    apart = " (antennes et multisites à part)" if counts.get(referentiels.SANS_OBJET, 0) else ""
    title = (f"{pct(100 * counts[referentiels.CONFORME] / judged)} des Maisons aux horaires connus "
             f"{hours.constat}{apart}" if judged else f"Critères : {referentiel.label}")
    fig = status_bars(summary, "Critère", "Statut", "Maisons")
    return finish(Chart("conformite", title, fig, summary[["Critère", "Statut", "Maisons"]],
                        f"{nombre(len(df))} Maisons jugées selon : {referentiel.label} ({why}) ; "
                        f"« sans objet » : règle qui ne s'applique pas à ce type de site{missing}",
                        source(con, "maisons")), height or 200 + 60 * len(known))


def criteres(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM,
             choix: str = referentiels.AUTOMATIQUE) -> pd.DataFrame:
    """The frame's criteria: how each is judged here, or that the registry does not say."""
    df, referentiel, _ = network.compliance(con, f, seuil_km, choix)
    known = network.documented(df, referentiel)[0]
    return pd.DataFrame({"Critère": [c.label for c in referentiel.criteres],
                         "Jugé d'après": [c.regle if c in known else f"{referentiels.NON_RENSEIGNE.capitalize()} ; "
                                          f"il faudrait : {c.regle}" for c in referentiel.criteres]})


def maisons_en_defaut(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM,
                      choix: str = referentiels.AUTOMATIQUE) -> pd.DataFrame:
    df, referentiel, _ = network.compliance(con, f, seuil_km, choix)
    return network.shortfalls(df, referentiel)


def paires_proches(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM) -> pd.DataFrame:
    """Each pair of fixed Maisons closer than the threshold, once (A's nearest may be B and B's nearest A)."""
    df = network.compliance(con, f, seuil_km, referentiels.MSAP.key)[0]
    close = df[df["distance"] == referentiels.A_VERIFIER].sort_values(["distance_km", "nom"])
    pair = close.apply(lambda r: tuple(sorted((r["nom"], r["plus_proche"]))), axis=1)
    close = close[~pair.duplicated()] if len(close) else close
    return pd.DataFrame({"Maison": close["nom"], "Département": close["code_departement"],
                         "Maison la plus proche": close["plus_proche"], "Distance (km)": close["distance_km"]})


def _count_chart(con, f: Filters, column: str, key: str, title_fmt: str, label_title: str, labels: dict,
                 height: int, is_list: bool = False) -> Chart | Absent:
    df = ind.maisons_with_list(con, f, column) if is_list else ind.maisons_count_by(con, f, column)
    total = ind.maisons_summary(con, f)["total"]
    if not total:
        return NO_MAISON
    df = df[df["code"].notna()]
    if df.empty:
        return Absent(f"Le registre ne renseigne pas « {label_title.lower()} » pour les Maisons de ce périmètre.")
    df["libelle"] = df["code"].map(lambda c: labels.get(c, c) if c is not None else "Non renseigné")
    df["part"] = 100 * df["maisons"] / total
    top = df.iloc[0]
    fig = hbar(df, "libelle", "part")
    fig.update_traces(customdata=[nombre(v) for v in df["maisons"]],
                      hovertemplate="%{y} : %{customdata} Maisons (%{text})<extra></extra>")
    data = pd.DataFrame({label_title: df["libelle"], "Maisons": df["maisons"], "Part des Maisons (%)": df["part"].round(2)})
    return finish(Chart(key, title_fmt.format(label=top["libelle"], n=nombre(top["maisons"]), pct=pct(top["part"])),
                        fig, data, f"{nombre(total)} Maisons", source(con, "maisons")), height)


def porteurs(con, f: Filters, height: int = 320) -> Chart | Absent:
    return _count_chart(con, f, "structure_porteuse", "porteurs", "{label} porte {pct} des Maisons ({n})",
                        "Structure porteuse", CODE_LABELS["structure_porteuse"], height)


def formats(con, f: Filters, height: int = 320) -> Chart | Absent:
    return _count_chart(con, f, "format", "formats", "{pct} des Maisons sont de format « {label} »", "Format",
                        CODE_LABELS["format"], height)


PARTNERSHIP_LABELS = {**schema.labels(schema.PARTENARIATS), "espace_public_numerique": "Espace public numérique",
                      "espace_teletravail": "Espace de télétravail"}


def partenariats(con, f: Filters, height: int = 420) -> Chart | Absent:
    total = ind.maisons_summary(con, f)["total"]
    if not total:
        return NO_MAISON
    df = ind.maisons_with_list(con, f, "partenariats")
    extra = ind.digital_spaces(con, f)
    rows = list(df.itertuples(index=False)) + [("espace_public_numerique", extra[0]), ("espace_teletravail", extra[1])]
    df = pd.DataFrame(rows, columns=["code", "maisons"])
    if df["maisons"].sum() == 0 and extra[2] == 0:
        return Absent("Le registre ne renseigne pas les partenariats des Maisons de ce périmètre.")
    df = df.sort_values("maisons", ascending=False)
    df["libelle"] = df["code"].map(lambda c: PARTNERSHIP_LABELS.get(c, c))
    df["part"] = 100 * df["maisons"] / total
    fig = hbar(df, "libelle", "part")
    fig.update_traces(text=[f"{nombre(n)} ({pct(p)})" for n, p in zip(df["maisons"], df["part"])])
    top = df.iloc[0]
    data = pd.DataFrame({"Partenariat": df["libelle"], "Maisons": df["maisons"], "Part des Maisons (%)": df["part"].round(2)})
    return finish(Chart("partenariats", f"Partenariats et services : le plus fréquent, « {top['libelle'].lower()} », "
                                        f"dans {nombre(top['maisons'])} Maisons", fig, data, f"{nombre(total)} Maisons",
                        source(con, "maisons")), height)
