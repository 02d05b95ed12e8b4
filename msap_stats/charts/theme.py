"""One look for every chart: the colours of the State's design system (DSFR), French number format."""

from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go
import plotly.io as pio

BLEU_FRANCE = "#000091"
TEXTE = "#161616"
TEXTE_SECONDAIRE = "#666666"
GRILLE = "#E5E5E5"
# Categorical palette: blue France first, then DSFR illustrative colours of readable contrast.
PALETTE = ["#000091", "#E4794A", "#009081", "#A558A0", "#B7A73F", "#417DC4", "#68A532", "#8D533E", "#E18B76",
           "#465F9D", "#929292", "#C3992A"]
# Status colours for the network's rules (white text inside reads at 4.5:1 or more; dark text on "inconnu").
STATUT = {"conforme": "#18753C", "à vérifier": "#B34000", "non conforme": "#CE0500", "sans objet": "#0063CB",
          "inconnu": "#DDDDDD"}
STATUT_TEXTE = {"inconnu": TEXTE}
PUBLICS = {"usagers": "#000091", "agents": "#E4794A", "habitants": "#009081"}
PUBLICS_LABELS = {"usagers": "Usagers", "agents": "Agents", "habitants": "Habitants"}
SATISFACTION_COULEURS = {"tres_satisfait": "#000091", "plutot_satisfait": "#6A6AF4",
                         "plutot_pas_satisfait": "#E4794A", "pas_du_tout_satisfait": "#CE0500"}
# From a light blue that still reads as a colour on paper and screen (not near-white) to the Marianne blue.
SEQUENTIELLE = ["#C8D2FA", "#96A5F2", "#6172E6", "#2F3FC8", "#000091"]
SANS_CHIFFRE = "#EDEDED"  # a map's cell without a figure: grey, never one of the blues
FONT = "Marianne, Arial, 'Helvetica Neue', sans-serif"
# Decimal comma, no-break space between thousands.
SEPARATORS = ",\u00a0"
# plotly.js's French locale, handed to the browser with each chart (Streamlit does not register locales).
LOCALE_FR = {
    "dictionary": {
        "Autoscale": "Échelle automatique", "Box Select": "Sélection rectangulaire",
        "Download plot as a png": "Télécharger le graphique (PNG)", "Download plot as a PNG": "Télécharger le graphique (PNG)",
        "Download plot": "Télécharger le graphique", "Fullscreen": "Plein écran", "Exit fullscreen": "Quitter le plein écran",
        "Lasso Select": "Sélection au lasso", "Pan": "Déplacer", "Produced with Plotly.js": "Réalisé avec Plotly.js",
        "Reset": "Réinitialiser", "Reset axes": "Réinitialiser les axes", "Reset view": "Réinitialiser la vue",
        "Reset views": "Réinitialiser les vues", "Show closest data on hover": "Afficher la donnée la plus proche",
        "Snapshot succeeded": "Image enregistrée",
        "Sorry, there was a problem downloading your snapshot!": "Désolé, l'image n'a pas pu être enregistrée.",
        "Taking snapshot - this may take a few seconds": "Enregistrement de l'image, quelques secondes…",
        "Toggle Spike Lines": "Afficher ou masquer les repères",
        "Toggle show closest data on hover": "Afficher ou masquer la donnée la plus proche",
        "Zoom": "Zoomer", "Zoom in": "Zoom avant", "Zoom out": "Zoom arrière",
        "max:": "max. :", "mean:": "moyenne :", "median:": "médiane :", "min:": "min. :", "trace": "série",
    },
    "format": {
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                   "novembre", "décembre"],
        "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
                        "déc."],
        "date": "%d/%m/%Y", "decimal": ",", "thousands": "\u00a0",
    },
}
PLOTLY_CONFIG = {"locale": "fr", "locales": {"fr": LOCALE_FR}, "displaylogo": False,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"], "toImageButtonOptions": {"format": "png", "scale": 2}}

TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family=FONT, size=12, color=TEXTE),
        title=dict(font=dict(size=16, color=TEXTE), x=0, xanchor="left", y=0.98, yanchor="top", pad=dict(b=8)),
        colorway=PALETTE,
        separators=SEPARATORS,
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        hoverlabel=dict(font=dict(family=FONT, size=13)),
        # Under the chart, at the bottom of the figure: never under the toolbar (top right), even on a phone.
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0, xanchor="left", title=dict(text="")),
        xaxis=dict(gridcolor=GRILLE, zerolinecolor="#CECECE", linecolor="#CECECE", automargin=True,
                   separatethousands=True, exponentformat="none", nticks=6),
        yaxis=dict(gridcolor=GRILLE, zerolinecolor="#CECECE", linecolor="#CECECE", automargin=True,
                   separatethousands=True, exponentformat="none"),
        margin=dict(l=10, r=20, t=70, b=70),
        colorscale=dict(sequential=[[i / (len(SEQUENTIELLE) - 1), c] for i, c in enumerate(SEQUENTIELLE)]),
    )
)
pio.templates["dsfr"] = TEMPLATE
pio.templates.default = "dsfr"


def plain(text: str) -> str:
    """Text for plotly, which reads its strings as a kind of HTML (<b>, <a href>…): a name from a file is shown
    as written, never as markup."""
    return html.escape(str(text), quote=False)


def wrap_label(text: str, width: int = 28) -> str:
    """Long category labels on two lines or more, so that half-width charts keep room for their bars."""
    if not isinstance(text, str):
        return text
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)  # never cut mid-word
    return "<br>".join(plain(line) for line in lines) if len(text) > width else plain(text)


def wrap(text: str, width: int = 80) -> str:
    """Plotly does not wrap titles: break long ones into lines."""
    return "<br>".join(plain(line) for line in textwrap.wrap(text, width, break_long_words=False)) if text else ""
