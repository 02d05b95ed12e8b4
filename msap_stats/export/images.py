"""Static images of the charts (PNG, SVG) with plotly and kaleido, driving Debian's Chromium.

One kaleido page per process, opened at the first image and closed at exit: a pack of a dozen images starts
Chromium once, not once per image, and loads plotly.js once. kaleido's own server reloads its page after each
image (plotly.js parsed again: 0.16 s of a 0.18 s image on this machine); ours keeps it, since ``Plotly.toImage``
draws in a node of its own that it removes, and reloads it every ``RELOAD_EVERY`` images.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading

import plotly.graph_objects as go

from ..charts import theme
from ..charts.figures import Chart

# Fonts Chromium and Typst both have (Debian's fonts-liberation2; Arial's metrics).
EXPORT_FONT = "Liberation Sans, Arial, sans-serif"
PNG_WIDTH, PNG_SCALE = 1000, 1.6          # 1,600 pixels wide, text sized for a 1,000-pixel layout
PRINT_WIDTH = 640                         # the text width of an A4 page, in CSS pixels at print size
CONTEXT_LINE = 16                         # pixels per line of perimeter and period under the base
PRINT_BOTTOM = 24                         # the axis labels need no more; a legend takes its own room

RENDER_TIMEOUT = 20  # seconds
RELOAD_EVERY = 200   # images drawn on one load of the page
_lock = threading.Lock()
_server: _Server | None = None
LOG = logging.getLogger("msap_stats")


def render(fig: go.Figure, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
    """The figure as PNG or SVG bytes. A render that fails (a stalled or dead Chromium) is tried once more on a
    freshly started kaleido page."""
    opts = dict(format=fmt, width=width, height=height, scale=scale)
    with _lock:
        try:
            return _calc(fig, opts)
        except Exception:
            LOG.warning("Image : rendu échoué, kaleido relancé", exc_info=True)
            _stop()
            return _calc(fig, opts)


def _calc(fig: go.Figure, opts: dict) -> bytes:
    global _server
    if _server is None:
        _server = _Server()
    return _server.calc(fig, opts)


class _Server:
    """kaleido in an event loop of its own thread, its page kept from one image to the next."""

    def __init__(self) -> None:
        import kaleido

        class Kept(kaleido.Kaleido):
            drawn = 0  # images drawn by this instance (its own count from the first)

            async def _return_kaleido_tab(self, tab) -> None:  # kaleido's own reloads the page every time
                self.drawn += 1
                if self.drawn % RELOAD_EVERY == 0:
                    await tab.reload()
                await self.tabs_ready.put(tab)

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kaleido", daemon=True)
        self.thread.start()
        # No MathJax (no formula in these charts; kaleido would fetch it from a CDN, which stalls a render
        # offline); a render that hangs fails after RENDER_TIMEOUT rather than kaleido's 90 s.
        self.kaleido = Kept(n=1, mathjax=False, timeout=RENDER_TIMEOUT)
        try:
            self._wait(self.kaleido.open())
        except BaseException:
            self.close()
            raise

    def _wait(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(RENDER_TIMEOUT * 2)

    def calc(self, fig: go.Figure, opts: dict) -> bytes:
        return self._wait(self.kaleido.calc_fig(fig, opts=opts))

    def close(self) -> None:
        try:
            self._wait(self.kaleido.close())
        except Exception:
            LOG.warning("Image : kaleido mal arrêté", exc_info=True)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


@atexit.register
def _stop() -> None:
    global _server
    if _server is not None:
        server, _server = _server, None
        server.close()


def standalone(chart: Chart, contexte: str = "") -> go.Figure:
    """The chart as a file of its own: its title, base and source inside the image, and the perimeter and
    period it describes (``contexte``)."""
    fig = go.Figure(chart.figure)
    subtitle, added = fig.layout.title.subtitle.text or "", _context_lines(contexte)
    if contexte:
        subtitle = f"{subtitle}<br>{theme.wrap(contexte, 120)}"
    fig.update_layout(font=dict(family=EXPORT_FONT), title=dict(x=0.02, xanchor="left", subtitle=dict(text=subtitle)),
                      margin=dict(l=30, r=30, b=max(fig.layout.margin.b or 0, 40),
                                  t=(fig.layout.margin.t or 0) + CONTEXT_LINE * added))
    return fig


def _context_lines(contexte: str) -> int:
    return theme.wrap(contexte, 120).count("<br>") + 1 if contexte else 0


def for_print(chart: Chart) -> go.Figure:
    """The chart inside a document that writes its title, base and source as text around it."""
    fig = go.Figure(chart.figure)
    fig.update_layout(font=dict(family=EXPORT_FONT), title=None, margin=dict(t=10, l=10, r=20, b=PRINT_BOTTOM))
    return fig


def _height(chart: Chart, contexte: str = "") -> int:
    return int(chart.figure.layout.height or 420) + CONTEXT_LINE * _context_lines(contexte)


def png(chart: Chart, contexte: str = "") -> bytes:
    return render(standalone(chart, contexte), "png", PNG_WIDTH, _height(chart, contexte), PNG_SCALE)


def svg(chart: Chart, contexte: str = "") -> bytes:
    return render(standalone(chart, contexte), "svg", PNG_WIDTH, _height(chart, contexte))


def print_svg(chart: Chart) -> bytes:
    """For the PDF: without the title block, at the page's text width."""
    margin = chart.figure.layout.margin
    saved = int(margin.t or 0) - 10 + max(int(margin.b or 0) - PRINT_BOTTOM, 0)
    return render(for_print(chart), "svg", PRINT_WIDTH, max(_height(chart) - saved, 220))
