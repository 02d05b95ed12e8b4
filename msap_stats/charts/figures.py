"""Figures: plain functions from a DataFrame to a plotly figure.

The dashboard, and the exports, use the same functions. Every chart is a
``Chart``: the figure, the exact numbers it plots (``donnees``), a title that
states the finding, its base and its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import theme
from ..fmt import INSUFFISANT, compte, nombre, pct


@dataclass
class Chart:
    key: str
    titre: str
    figure: go.Figure
    donnees: pd.DataFrame  # exactly the numbers plotted, with French column names
    base: str
    source: str
    large: bool = False  # too wide to squeeze on a phone: it scrolls sideways instead

    @property
    def footer(self) -> str:
        return " · ".join(p for p in (self.base, f"Source : {self.source}" if self.source else "") if p)

    def __reduce__(self):
        """Pickled (the figures' cache keeps charts pickled) with the figure as its plain JSON, read back without
        plotly checking every property again: it did when the figure was made (a tenth of the time)."""
        return _chart, (type(self), {**self.__dict__, "figure": self.figure.to_plotly_json()})

    def untitled(self, top: int) -> go.Figure:
        """The figure without its title, ``top`` pixels above the plot (the screen writes the title as text above
        it); the chart's own figure, which the images keep, is left as it is, and nothing is checked again."""
        spec = self.figure.to_plotly_json()
        layout = {**spec["layout"], "title": None, "margin": {**spec["layout"].get("margin", {}), "t": top}}
        return go.Figure({**spec, "layout": layout}, _validate=False)


def _chart(cls, state: dict):
    chart = cls.__new__(cls)
    chart.__dict__.update(state, figure=go.Figure(state["figure"], _validate=False))
    return chart


def finish(chart: Chart, height: int = 420) -> Chart:
    """Title, base and source inside the figure too, so that an exported image carries them."""
    title = theme.wrap(chart.titre, 85)
    lines = title.count("<br>") + 1
    chart.figure.update_layout(
        template="dsfr",
        separators=theme.SEPARATORS,
        title=dict(text=f"<b>{title}</b>",
                   subtitle=dict(text=theme.wrap(chart.footer, 120), font=dict(size=12, color=theme.TEXTE_SECONDAIRE))),
        height=height,
        margin=dict(t=60 + 22 * lines + 16 * (chart.footer.count("<br>") + 1)),
    )
    chart.large = chart.large or any(isinstance(t, go.Heatmap) for t in chart.figure.data)
    return chart


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _pct_texts(values, reasons=None) -> list[str]:
    """A percentage, or why there is none (too few answers, too little precision, too few Maisons)."""
    reasons = list(reasons) if reasons is not None else [None] * len(values)
    return [(r if isinstance(r, str) and r else INSUFFISANT) if _is_missing(v) else pct(v)
            for v, r in zip(values, reasons)]


SIGNIFICANT = "écart significatif"
MARK = "\u00a0*"  # after a value that differs from the rest of the perimeter (5 %, Holm)


def _marked(texts: list[str], df: pd.DataFrame) -> list[str]:
    """Values of categories that differ significantly from the rest carry a star."""
    if "ecart_significatif" not in df.columns:
        return texts
    return [t + MARK if _is_marked(m) else t for t, m in zip(texts, df["ecart_significatif"])]


def _is_marked(flag) -> bool:
    return flag is not None and flag == flag and bool(flag)  # flag == flag: not NaN


def _error(df: pd.DataFrame, value: str, low: str | None, high: str | None) -> dict | None:
    if not low or not high:
        return None
    v = df[value].astype(float)
    return dict(type="data", array=(df[high].astype(float) - v).fillna(0).tolist(),
                arrayminus=(v - df[low].astype(float)).fillna(0).tolist(), color="#3A3A3A", thickness=1.2, width=4)


def hbar(df: pd.DataFrame, label: str, value: str, *, low: str | None = None, high: str | None = None,
         percent: bool = True, color: str = theme.BLEU_FRANCE, colors: list[str] | None = None,
         value_title: str = "") -> go.Figure:
    """Horizontal bars in the order of ``df`` (top to bottom), with optional 95 % intervals."""
    values = df[value].astype(float)
    texts = _marked(_pct_texts(values, df.get("raison")), df) if percent else [nombre(v) for v in values]
    reach = values.combine(df[high].astype(float), np.fmax) if high else values  # a figure at 0 or 100 %: no interval
    top = float(reach.max()) if len(df) and values.notna().any() else 1
    y = df[label].map(theme.wrap_label).tolist()  # lists: a pandas Series costs plotly a conversion (narwhals)
    fig = go.Figure(go.Bar(
        y=y, x=values.fillna(0).tolist(), orientation="h", marker_color=colors or color,
        **_bar_text(values, top, texts, beside_interval=bool(high)),
        error_x=_error(df, value, low, high),
        hovertemplate="%{y} : %{text}<extra></extra>",
    ))
    if high:
        labels_beside(fig, y, df[high].astype(float), values, top, texts)
    fig.update_layout(
        yaxis=dict(autorange="reversed", title=None),
        xaxis=dict(title=value_title or None, range=[0, top * 1.18 if top > 0 else 1],
                   ticksuffix="\u00a0%" if percent else None),
        showlegend=False, bargap=0.35,
    )
    return fig


def _inside(values: pd.Series, top: float) -> list[bool]:
    """Long bars carry their value inside (clear of the interval's whiskers), short ones outside."""
    return (values.astype(float).fillna(0) >= 0.3 * top).tolist()


def _bar_text(values: pd.Series, top: float, texts: list[str], beside_interval: bool = False) -> dict:
    """Long bars carry their value inside; short ones outside, or — when the bar has an interval — not on the
    bar at all: ``labels_beside`` writes them after the interval's upper whisker, never under it."""
    inside = _inside(values, top)
    outside = "none" if beside_interval else "outside"
    return dict(text=texts, textposition=["inside" if i else outside for i in inside], insidetextanchor="middle",
                textfont=dict(color=["#FFFFFF" if i else theme.TEXTE for i in inside]), cliponaxis=False)


def labels_beside(fig: go.Figure, y, high: pd.Series, values: pd.Series, top: float, texts: list[str]) -> None:
    """The values of the short bars, just after their interval (a text trace, out of the legend and the hover)."""
    outside = [not i for i in _inside(values, top)]
    if not any(outside):
        return
    ys = [v for v, o in zip(y, outside) if o]
    xs = [float(h) if h == h else float(v if v == v else 0) for h, v, o in zip(high, values, outside) if o]
    fig.add_scatter(x=xs, y=ys, mode="text", text=[t for t, o in zip(texts, outside) if o],
                    textposition="middle right", textfont=dict(color=theme.TEXTE), showlegend=False,
                    hoverinfo="skip", cliponaxis=False)


def grouped_hbar(df: pd.DataFrame, category: str, group: str, value: str, *, low: str | None = None,
                 high: str | None = None, colors: dict[str, str] | None = None,
                 group_labels: dict[str, str] | None = None) -> go.Figure:
    """One bar per group within each category (e.g. one colour per public)."""
    fig = go.Figure()
    top = float(np.nanmax(df[high] if high else df[value])) if df[value].notna().any() else 100
    for i, (g, part) in enumerate(df.groupby(group, sort=False)):
        fig.add_bar(y=part[category].map(theme.wrap_label).tolist(), x=part[value].astype(float).fillna(0).tolist(),
                    orientation="h",
                    name=(group_labels or {}).get(g, g), marker_color=(colors or {}).get(g, theme.PALETTE[i % 12]),
                    **_bar_text(part[value], top, _pct_texts(part[value], part.get("raison"))),
                    error_x=_error(part, value, low, high),
                    hovertemplate="%{y}<br>%{fullData.name} : %{text}<extra></extra>")
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed", title=None),
                      xaxis=dict(range=[0, top * 1.15], ticksuffix="\u00a0%"), bargap=0.25, bargroupgap=0.05)
    return fig


def diverging(df: pd.DataFrame, group: str, level: str, value: str, order: list[str], labels: dict[str, str],
              colors: dict[str, str], positive: int = 2) -> go.Figure:
    """Diverging stacked bars: the first ``positive`` levels to the right of zero, the others to the left.

    The milder answers sit next to zero and the stronger ones outside; the legend keeps the scale's order.
    """
    fig = go.Figure()
    groups = [theme.wrap_label(g) for g in dict.fromkeys(df[group])]
    df = df.assign(**{group: df[group].map(theme.wrap_label)})
    stacking = list(reversed(order[:positive])) + order[positive:]
    for code in stacking:
        part = df[df[level] == code].set_index(group).reindex(groups)
        v = part[value].astype(float)
        sign = 1 if code in order[:positive] else -1
        fig.add_bar(y=groups, x=(sign * v).fillna(0).tolist(), orientation="h", name=labels[code], marker_color=colors[code],
                    legendrank=order.index(code), text=[pct(x) if not _is_missing(x) and x >= 8 else "" for x in v],
                    textposition="inside", insidetextanchor="middle", textangle=0, customdata=_pct_texts(v),
                    hovertemplate="%{y}<br>%{fullData.name} : %{customdata}<extra></extra>")
    sums = df.assign(_v=df[value].astype(float).fillna(0), _pos=df[level].isin(order[:positive]))
    right = sums[sums["_pos"]].groupby(group)["_v"].sum().max() if len(sums) else 100
    left = sums[~sums["_pos"]].groupby(group)["_v"].sum().max() if (~sums["_pos"]).any() else 0
    left_tick = int(math.ceil((left or 0) / 10.0)) * 10
    ticks = ([-left_tick] if left_tick else []) + list(range(0, 101, 20))
    fig.update_layout(barmode="relative", yaxis=dict(autorange="reversed", title=None),
                      xaxis=dict(tickvals=ticks, ticktext=[pct(abs(t)) if t else "0" for t in ticks],
                                 range=[-(left_tick + 3), (right if right == right else 100) + 3]),
                      legend=dict(traceorder="normal"))
    return fig


def line(df: pd.DataFrame, x: str, y: str, series: str | None = None, *, labels: dict[str, str] | None = None,
         y_title: str = "", colors: dict[str, str] | None = None) -> go.Figure:
    fig = go.Figure()
    groups = [(None, df)] if series is None else list(df.groupby(series, sort=False))
    for i, (g, part) in enumerate(groups):
        name = (labels or {}).get(g, g) if g is not None else y_title
        fig.add_scatter(x=part[x].tolist(), y=part[y].tolist(), mode="lines+markers", name=name,
                        line=dict(width=2.5, color=(colors or {}).get(g, theme.PALETTE[i % 12])),
                        customdata=[nombre(v) for v in part[y]],
                        hovertemplate="%{x}<br>" + ("%{fullData.name} : " if g is not None else "") +
                        "%{customdata}<extra></extra>")
    fig.update_layout(xaxis=dict(type="category", title=None), yaxis=dict(title=y_title or None, rangemode="tozero"),
                      showlegend=series is not None)
    return fig


def stacked_columns(df: pd.DataFrame, x: str, series: str, y: str, *, labels: dict[str, str] | None = None,
                    y_title: str = "", percent: bool = False) -> go.Figure:
    fig = go.Figure()
    for i, (g, part) in enumerate(df.groupby(series, sort=False)):
        fig.add_bar(x=part[x].tolist(), y=part[y].tolist(), name=(labels or {}).get(g, g), marker_color=theme.PALETTE[i % 12],
                    customdata=[pct(v) if percent else nombre(v) for v in part[y]],
                    hovertemplate="%{x}<br>%{fullData.name} : %{customdata}<extra></extra>")
    fig.update_layout(barmode="stack", xaxis=dict(type="category", title=None),
                      yaxis=dict(title=y_title or None, ticksuffix="\u00a0%" if percent else None))
    return fig


def heatmap(df: pd.DataFrame, row: str, col: str, value: str, *, col_order: list[str] | None = None,
            percent: bool = True) -> go.Figure:
    """Cells coloured by value; a survey's cells say why they have no figure, and their hover the base and interval."""
    table = df.pivot_table(index=row, columns=col, values=value, aggfunc="first", sort=False, dropna=False)
    if col_order:
        table = table.reindex(columns=[c for c in col_order if c in table.columns])

    def cells(column: str, dtype=float):
        other = df.pivot_table(index=row, columns=col, values=column, aggfunc="first", sort=False, dropna=False)
        return other.reindex(index=table.index, columns=table.columns).to_numpy(dtype=dtype)

    z = table.to_numpy(dtype=float)
    if percent and "raison" in df.columns:
        marks = cells("ecart_significatif", object) if "ecart_significatif" in df.columns else np.full(z.shape, None)
        texts = [[t + MARK if _is_marked(m) else t for t, m in zip(_pct_texts(values, why), mark)]
                 for values, why, mark in zip(z, cells("raison", object), marks)]
    else:
        texts = [[(INSUFFISANT if _is_missing(v) else (pct(v) if percent else nombre(v))) for v in r] for r in z]
    hover = texts
    if percent and {"n", "ic_bas", "ic_haut"} <= set(df.columns):
        hover = [[t + ("" if _is_missing(lo) else f"<br>IC 95 % : {pct(lo)} à {pct(hi)}")
                  + ("" if _is_missing(k) else f"<br>n = {compte(k, 'réponse')}") for t, lo, hi, k in zip(*r)]
                 for r in zip(texts, cells("ic_bas"), cells("ic_haut"), cells("n"))]
    fig = go.Figure(go.Heatmap(
        z=z, x=[theme.wrap_label(c, 12) for c in table.columns], y=list(table.index), text=texts,
        texttemplate="%{text}", customdata=hover,
        colorscale=[[i / (len(theme.SEQUENTIELLE) - 1), c] for i, c in enumerate(theme.SEQUENTIELLE)],
        hovertemplate="%{y}<br>%{x} : %{customdata}<extra></extra>", showscale=False, xgap=2, ygap=2,
        hoverongaps=False,
    ))
    fig.update_layout(yaxis=dict(autorange="reversed", title=None, showgrid=False),
                      xaxis=dict(side="top", title=None, showgrid=False, tickangle=0))
    return fig


def whole_ticks(maximum: float) -> dict:
    """An axis counting whole things (sites, Maisons), graduated in whole numbers: up to 5, plotly's own ticks read
    « 0,2 » or « 0,5 » of one; above, plotly's own (``auto``: an axis laid over another would otherwise take the
    other's gridlines, « 21,9 », « 43,8 »)."""
    return {"tickmode": "linear", "tick0": 0, "dtick": 1} if maximum <= 5 else {"tickmode": "auto"}


def histogram(values: pd.Series, *, x_title: str, bins: int = 30) -> go.Figure:
    counts, edges = np.histogram(values.dropna().astype(float), bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    labels = [f"{nombre(a)} à {nombre(b)}" for a, b in zip(edges[:-1], edges[1:])]
    fig = go.Figure(go.Bar(x=centres, y=counts, width=(edges[1] - edges[0]) * 0.95 if len(edges) > 1 else None,
                           marker_color=theme.BLEU_FRANCE, customdata=labels,
                           hovertemplate="%{customdata} : %{y} Maisons<extra></extra>"))
    fig.update_layout(xaxis=dict(title=x_title), yaxis=dict(title="Nombre de Maisons", **whole_ticks(counts.max(initial=0))),
                      showlegend=False, bargap=0)
    return fig


def status_bars(df: pd.DataFrame, criterion: str, status: str, count: str) -> go.Figure:
    """Horizontal stacked bars of Maisons by compliance status, in the status colours."""
    fig = go.Figure()
    criteria = list(dict.fromkeys(df[criterion]))
    for s, colour in theme.STATUT.items():
        part = df[df[status] == s].set_index(criterion).reindex(criteria)
        n = part[count].fillna(0)
        if n.sum() == 0:
            continue
        fig.add_bar(y=[theme.wrap_label(c, 34) for c in criteria], x=n.tolist(), orientation="h", name=s.capitalize(), marker_color=colour,
                    text=[nombre(v) if v else "" for v in n], textposition="inside",
                    insidetextfont=dict(color=theme.STATUT_TEXTE.get(s, "#FFFFFF")),
                    customdata=[nombre(v) for v in n],
                    hovertemplate="%{y}<br>%{fullData.name} : %{customdata} Maisons<extra></extra>")
    fig.update_layout(barmode="stack", yaxis=dict(autorange="reversed", title=None),
                      xaxis=dict(title="Nombre de Maisons"), legend=dict(traceorder="normal"))
    return fig


# --- Maps ---------------------------------------------------------------------
# Maps are drawn on plain axes, in a projection computed here: nothing is fetched
# from the network (plotly's geo maps download their base layers from a CDN),
# and the same figure exports to PNG, SVG or PDF.

def _projection(lats: pd.Series | list) -> float:
    """Equirectangular projection with the standard parallel at the middle of the area shown."""
    values = [v for v in lats if v is not None and not _is_missing(v)]
    mid = (min(values) + max(values)) / 2 if values else 46.5
    return math.cos(math.radians(mid))


MAX_NAMED = 15  # départements named on a map that holds no more
OVERSEAS = "971"  # codes from here on are overseas: drawn in insets beside the métropole on a map of all France
INSET_MIN_SPAN = 0.3  # degrees: a territory known by one site still gets a readable box
INSET_GAP = 0.35


def _bbox(values: list) -> tuple[float, float]:
    known = [v for v in values if v is not None and not _is_missing(v)]
    return (min(known), max(known)) if known else (0.0, 0.0)


@dataclass
class Frame:
    """Where a map puts each point: the métropole (or the zone shown) projected in place; on a map of all France,
    each overseas territory moved into an inset box in a column west of the métropole, at its own scale."""

    k: float
    insets: dict[str, tuple[float, float, float, float, float, float]] = field(default_factory=dict)
    boxes: list[tuple[float, float, float, float, str]] = field(default_factory=list)

    @classmethod
    def build(cls, places: dict[str, tuple[list, list]], names: dict[str, str] | None = None) -> Frame:
        """``places``: per département, the longitudes and latitudes drawn (its outline and its points)."""
        main = {c: v for c, v in places.items() if c < OVERSEAS}
        away = sorted(c for c, v in places.items() if c >= OVERSEAS and _bbox(v[0]) != (0.0, 0.0))
        if not main or not away:  # one zone alone: drawn in place
            return cls(_projection([lat for _, lats in places.values() for lat in lats]))
        k = _projection([lat for _, lats in main.values() for lat in lats])
        x_low, _ = _bbox([lon for lons, _ in main.values() for lon in lons])
        y_low, y_high = _bbox([lat for _, lats in main.values() for lat in lats])
        height = min(2.0, (y_high - y_low) / len(away) - INSET_GAP)
        width = 1.5 * height
        right = x_low * k - 2 * INSET_GAP
        frame = cls(k)
        for i, code in enumerate(away):
            (a, b), (c, d) = _bbox(places[code][0]), _bbox(places[code][1])
            kd = math.cos(math.radians((c + d) / 2))
            span_x, span_y = max((b - a) * kd, INSET_MIN_SPAN), max(d - c, INSET_MIN_SPAN)
            scale = 0.88 * min(width / span_x, height / span_y)
            top = y_high - i * (height + INSET_GAP)
            x0, y0 = right - width, top - height
            frame.insets[code] = ((a + b) / 2, (c + d) / 2, kd * scale, scale, x0 + width / 2, y0 + height / 2)
            frame.boxes.append((x0, y0, right, top, (names or {}).get(code, code)))
        return frame

    def xy(self, code: str, lons: list, lats: list) -> tuple[list, list]:
        if code not in self.insets:
            return _project(list(lons), self.k), list(lats)
        cx, cy, sx, sy, x0, y0 = self.insets[code]
        return ([None if v is None or _is_missing(v) else round(x0 + (v - cx) * sx, 4) for v in lons],
                [None if v is None or _is_missing(v) else round(y0 + (v - cy) * sy, 4) for v in lats])

    def points(self, codes: pd.Series, lons: pd.Series, lats: pd.Series) -> tuple[list, list]:
        xs, ys = [], []
        for code, lon, lat in zip(codes, lons, lats):
            x, y = self.xy(code, [lon], [lat])
            xs += x
            ys += y
        return xs, ys

    def decorate(self, fig: go.Figure) -> None:
        """Each inset's frame and name."""
        for x0, y0, x1, y1, name in self.boxes:
            fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color="#BBBBBB", width=0.8),
                          layer="below")
            fig.add_annotation(x=x0, y=y1, text=theme.plain(name), showarrow=False, xanchor="left",
                               yanchor="bottom", font=dict(size=9, color=theme.TEXTE_SECONDAIRE))


def _places(outlines: dict | None, codes: list[str], points: pd.DataFrame | None = None) -> dict[str, tuple]:
    places: dict[str, tuple[list, list]] = {c: (list(outlines[c][0]), list(outlines[c][1]))
                                            for c in codes if outlines and c in outlines}
    if points is not None:
        for code, part in points.groupby("code_departement"):
            lons, lats = places.setdefault(code, ([], []))
            lons += list(part["longitude"])
            lats += list(part["latitude"])
    return places


def _project(lons: list, k: float) -> list:
    return [None if v is None else round(v * k, 3) for v in lons]


def _map_layout(fig: go.Figure) -> None:
    # constrain the domain, never the range: a narrow chart keeps the whole map (Corsica, the insets), smaller
    fig.update_layout(xaxis=dict(visible=False, constrain="domain"),
                      yaxis=dict(visible=False, scaleanchor="x", scaleratio=1, constrain="domain"),
                      plot_bgcolor="#FFFFFF", hovermode="closest", margin=dict(l=0, r=0, b=10))


def _outline_trace(outlines: dict, codes: list[str], frame: Frame, fill: str, name: str, legend: bool) -> go.Scatter:
    """The outlines of several départements as one filled trace (polygons separated by gaps)."""
    xs: list = []
    ys: list = []
    for code in codes:
        if code in outlines:
            x, y = frame.xy(code, outlines[code][0], outlines[code][1])
            xs += x + [None]
            ys += y + [None]
    return go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill,
                      line=dict(color="#FFFFFF", width=0.6), hoverinfo="skip", name=name, showlegend=legend)


def points_map(points: pd.DataFrame, outlines: dict | None, *, color_by: str, labels: dict[str, str],
               colors: dict[str, str], hover: str, outline_codes: list[str] | None = None,
               names: dict[str, str] | None = None) -> go.Figure:
    """Maisons as points over the département outlines (a light base map when the contours are available); the
    overseas ones in insets when the métropole is drawn too."""
    fig = go.Figure()
    frame = Frame.build(_places(outlines, outline_codes or [], points), names)
    if outlines and outline_codes:
        fig.add_trace(_outline_trace(outlines, outline_codes, frame, "#EEEEEE", "Départements", False))
    for code in [c for c in labels if c in set(points[color_by])]:
        part = points[points[color_by] == code]
        x, y = frame.points(part["code_departement"], part["longitude"], part["latitude"])
        fig.add_scatter(x=x, y=y, mode="markers", name=labels.get(code, code),
                        marker=dict(size=6, color=colors.get(code, theme.TEXTE_SECONDAIRE), opacity=0.9,
                                    line=dict(width=0.4, color="#FFFFFF")),
                        text=part[hover].tolist(), hovertemplate="%{text}<extra>%{fullData.name}</extra>")
    frame.decorate(fig)
    _map_layout(fig)
    fig.update_layout(legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0),
                      margin=dict(b=40))
    return fig


def classes(values: pd.Series, count: int = 5) -> tuple[pd.Series, list[str]]:
    """Values grouped in classes of about equal size, the way official maps are drawn; labels in French."""
    v = values.astype(float)
    known = v.dropna()
    if known.empty:
        return pd.Series(-1, index=v.index), []
    edges = np.unique(np.nanquantile(known, np.linspace(0, 1, count + 1)))
    if len(edges) < 2:
        edges = np.array([known.min(), known.max() + 1e-9])
    decimals = 0 if edges[-1] >= 100 else 1
    while decimals < 3 and len({nombre(e, decimals) for e in edges}) < len(edges):  # bounds told apart: never
        decimals += 1                                                                # « 1,3 à 1,3 » for 1.33 to 1.34
    bins = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    said = [nombre(e, decimals) for e in edges]
    labels = [a if a == b else f"{a} à {b}" for a, b in zip(said[:-1], said[1:])]  # one value: said once
    return pd.Series(np.where(v.isna(), -1, bins), index=v.index), labels


def departements_map(df: pd.DataFrame, outlines: dict | None, *, value: str, text: str, title: str,
                     names: dict[str, str] | None = None) -> go.Figure:
    """Départements in classes of colour on their contours, or graduated points at their centroids without them;
    the overseas ones in insets when the métropole is drawn too; names written when the map holds few."""
    cls, labels = classes(df[value])
    palette = theme.SEQUENTIELLE[-len(labels):] if labels else []
    fig = go.Figure()
    frame = Frame.build(_places(outlines, list(df["code_departement"]), df), names)
    cx, cy = frame.points(df["code_departement"], df["longitude"], df["latitude"])
    bare = np.array([c not in (outlines or {}) for c in df["code_departement"]])  # no contour: a mark at its place
    for i, label in ([(-1, INSUFFISANT)] if (cls == -1).any() else []) + list(enumerate(labels)):
        codes = list(df.loc[cls == i, "code_departement"])
        colour = theme.SANS_CHIFFRE if i < 0 else palette[i]
        if outlines:
            fig.add_trace(_outline_trace(outlines, codes, frame, colour, label, True))
        part = (cls.to_numpy() == i) & bare
        if part.any():
            fig.add_scatter(x=[x for x, p in zip(cx, part) if p], y=[y for y, p in zip(cy, part) if p],
                            mode="markers", name=label, text=df.loc[part, text].tolist(),
                            marker=dict(size=10 + 4 * max(i, 0), color=colour, line=dict(width=0.6, color=theme.BLEU_FRANCE)),
                            hovertemplate="%{text}<extra></extra>", showlegend=not outlines)
    if outlines:  # hover on each département, at its centroid
        fig.add_scatter(x=cx, y=cy, mode="markers", showlegend=False,
                        marker=dict(size=14, color="rgba(0,0,0,0)"), text=df[text].tolist(), hovertemplate="%{text}<extra></extra>")
    if len(df) <= MAX_NAMED:  # a région or a few départements: their names fit, white on the two darkest classes
        dark = len(labels) - 2  # the first of the two darkest classes (none with fewer than two classes)
        fig.add_scatter(x=cx, y=cy, mode="text", showlegend=False, hoverinfo="skip",
                        text=[theme.plain(n) for n in df["departement"]], textposition="middle center",
                        textfont=dict(size=10, color=["#FFFFFF" if c >= dark >= 0 else theme.TEXTE
                                                      for c in cls]))
    frame.decorate(fig)
    _map_layout(fig)
    fig.update_layout(legend=dict(orientation="v", yanchor="bottom", y=0.02, x=0.0, title=dict(text=title),
                                  bgcolor="rgba(255,255,255,0.85)", traceorder="reversed"))
    return fig
