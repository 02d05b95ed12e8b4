"""The filters of every page (région, département, period, format, structure porteuse) and the pages' own settings:
the sidebar that sets them, and the URL that keeps them, so that a copied link reproduces a view."""

from __future__ import annotations

import datetime as dt

from urllib.parse import urlencode

import streamlit as st

from .. import history, indicators, reference, schema
from ..fmt import MOIS_COURTS
from ..indicators import FILTER_PARAMS, Filters
from . import connection


FILTER_KEYS = FILTER_PARAMS
# The pages' own settings, kept in the URL under their widget's key (see ``setting``).
PAGE_SETTINGS = ("ventilation", "zone", "indicateur_carte", "referentiel", "seuil_km")


def month_label(ym: str) -> str:
    year, month = ym.split("-")
    return f"{MOIS_COURTS[int(month) - 1]} {year}"


def init_from_url(options: dict[str, list[str]], months: list[str]) -> None:
    """Seed the filter widgets from the URL once per session, so that a link reproduces a view."""
    if st.session_state.get("_filtres_lus"):
        return
    st.session_state["_filtres_lus"] = True
    params = st.query_params
    for attr, param in FILTER_KEYS.items():
        values = [v for v in params.get_all(param) if v in options[attr]]
        if values:
            st.session_state[f"f_{attr}"] = values
    if params.get("vague") in options["vague"]:
        st.session_state["f_vague"] = params.get("vague")
    try:
        st.session_state["f_date"] = dt.date.fromisoformat(params.get("date")) if params.get("date") else None
    except ValueError:
        pass


def url_period(months: list[str]) -> tuple[str, str]:
    """The period asked for by the URL (debut, fin), or all the months."""
    debut, fin = st.query_params.get("debut"), st.query_params.get("fin")
    return (debut if debut in months else months[0], fin if fin in months else months[-1])


def write_url(f: Filters, months: list[str]) -> None:
    wanted: dict[str, list[str] | str] = {param: list(getattr(f, attr)) for attr, param in FILTER_KEYS.items()
                                          if getattr(f, attr)}
    if f.debut and months and f.debut != months[0]:
        wanted["debut"] = f.debut
    if f.fin and months and f.fin != months[-1]:
        wanted["fin"] = f.fin
    if f.vague:
        wanted["vague"] = f.vague
    if f.date_reseau:
        wanted["date"] = f.date_reseau
    current = {k: (st.query_params.get_all(k) if k in FILTER_KEYS.values() else st.query_params.get(k))
               for k in st.query_params}
    for k in PAGE_SETTINGS:  # the pages' settings stay in the URL
        if k in current:
            wanted[k] = current[k]
    if current != wanted:
        st.query_params.from_dict(wanted)


def setting(widget, label: str, options: list, key: str, default, **kwargs):
    """A page setting (breakdown, threshold, territory…) kept in the URL beside the filters.

    A link opened in a new browser seeds it (a value not among the options is ignored);
    a value other than the default is written back to the URL, under the widget's key.
    Streamlit forgets a widget's value once its page is left (or the widget is not drawn): the setting's last
    value is kept apart, and given back to the widget when it is drawn again.
    """
    assert key in PAGE_SETTINGS, key
    kept = st.session_state.setdefault("_reglages", {})
    if key not in st.session_state:
        if key in kept:
            last = kept[key]
            st.session_state[key] = last if last is None or last in options else default
        else:
            asked = st.query_params.get(key)
            st.session_state[key] = next((o for o in options if str(o) == asked), default)
    value = widget(label, options, key=key, **kwargs)
    kept[key] = value
    if value is not None and value != default:
        if st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)
    elif key in st.query_params:
        del st.query_params[key]
    return value


def set_current(f: Filters) -> None:
    st.session_state["_filtres"] = f


def regions_with_maisons() -> list[str]:
    """The codes of the régions where the registry in force has Maisons, in the reference table's order."""
    deps = reference.departements()
    region_of = dict(zip(deps["code_departement"], deps["code_region"]))
    present = connection.cached(indicators.maisons_summary, Filters())["par_departement"]
    with_maisons = {region_of[d] for d in present if d in region_of}
    return [r for r in reference.regions()["code_region"] if r in with_maisons]


def current() -> Filters:
    return st.session_state.get("_filtres", Filters())


def sidebar() -> Filters:
    """The filters in the sidebar, one set kept across pages and in the URL: read from the URL once, written back
    to it, and set for this run's views."""
    deps = reference.departements()
    regions = reference.regions()
    region_names = dict(zip(regions["code_region"], regions["region"]))
    dep_names = dict(zip(deps["code_departement"], deps["departement"]))
    months = connection.cached(indicators.activity_months)
    format_labels = schema.labels(schema.FORMATS)
    porteur_labels = schema.labels(schema.PORTEURS)
    present = set(connection.cached(indicators.maisons_summary, Filters())["par_departement"])
    region_of = dict(zip(deps["code_departement"], deps["code_region"]))
    options = {
        "regions": regions_with_maisons(),
        "departements": [d for d in dep_names if d in present],
        "formats": list(format_labels),
        "porteurs": list(porteur_labels),
        "vague": ["", *connection.cached(indicators.all_waves), indicators.ALL_WAVES],
    }
    versions = connection.cached(history.version_dates)
    init_from_url(options, months)

    with st.sidebar:
        st.header("Filtres")
        chosen_regions = st.multiselect("Région", options["regions"], format_func=region_names.get, key="f_regions",
                                        placeholder="Toutes les régions")
        dep_choices = [d for d in options["departements"] if not chosen_regions or region_of[d] in chosen_regions]
        if "f_departements" in st.session_state:  # keep only départements of the chosen régions
            st.session_state["f_departements"] = [d for d in st.session_state["f_departements"] if d in dep_choices]
        chosen_deps = st.multiselect("Département", dep_choices, format_func=lambda d: f"{dep_names[d]} ({d})",
                                     key="f_departements", placeholder="Tous les départements")
        if len(months) > 1:
            periode = st.select_slider("Période", options=months, value=url_period(months), format_func=month_label,
                                       key="f_periode")
            debut, fin = periode if isinstance(periode, (tuple, list)) else (periode, periode)
        else:
            debut = fin = None
            st.caption("Période : aucune donnée datée à filtrer.")
        chosen_formats = st.multiselect("Format de Maison", options["formats"], format_func=format_labels.get,
                                        key="f_formats", placeholder="Tous les formats")
        chosen_porteurs = st.multiselect("Structure porteuse", options["porteurs"], format_func=porteur_labels.get,
                                         key="f_porteurs", placeholder="Toutes les structures")
        date_reseau = None
        if len(versions) > 1:  # several lists of Maisons: the network at a date, today's unless chosen
            date_reseau = st.date_input("Réseau en vigueur le", value=None, key="f_date", format="DD/MM/YYYY",
                                        min_value=versions[0], help="Vide : le réseau de la liste la plus récente. "
                                        "Une date : chaque page compte les Maisons de la liste en vigueur ce jour-là.")
        vague = ""
        if len(options["vague"]) > 3:  # several waves: the figures rest on one, the latest unless chosen
            vague = st.selectbox("Vague d'enquête", options["vague"], key="f_vague",
                                 format_func=lambda w: {"": "La plus récente de chaque enquête",
                                                        indicators.ALL_WAVES: "Toutes, regroupées"}.get(w, w),
                                 help="Chaque chiffre d'enquête repose sur une seule vague, avec son propre plan de "
                                      "sondage ; « Toutes, regroupées » les met ensemble, et chaque graphique le dit.")
        st.caption("Les filtres s'appliquent à toutes les pages et figurent dans l'adresse de la page : "
                   "copiez-la pour partager cette vue.")

    f = Filters(regions=tuple(chosen_regions), departements=tuple(chosen_deps),
                debut=debut if months and debut != months[0] else None,
                fin=fin if months and fin != months[-1] else None,
                formats=tuple(chosen_formats), porteurs=tuple(chosen_porteurs), vague=vague or None,
                date_reseau=date_reseau.isoformat() if date_reseau else None)
    set_current(f)
    write_url(f, months)
    return f


def view_link() -> str | None:
    """The address of this view, filters in its query string (as a shared link opens it)."""
    url = st.context.url
    if not url:
        return None
    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    return url.split("?", 1)[0] + (f"?{query}" if query else "")
