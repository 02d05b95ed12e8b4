"""The look of every page: the stylesheet and the print script, kept as static files beside this module.

Plotly draws its charts at the screen's width; before printing, ``print.js`` makes each scale to the page's width
(a viewBox on its layers), and puts it back afterwards; ``francais.js`` says in French what Streamlit's widgets say
to assistive technologies in English. The files are fixed: no data of any file reaches them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

STATIC = Path(__file__).with_name("static")
FAVICON = STATIC / "favicon.png"


@cache
def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def style() -> None:
    st.html(f"<style>\n{static_text('style.css')}</style>")
    st.html(f"<script>\n{static_text('print.js')}\n{static_text('francais.js')}</script>", unsafe_allow_javascript=True)
