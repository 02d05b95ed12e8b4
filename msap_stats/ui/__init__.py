"""The Streamlit wing: the only part of the package, with ``pages/`` and ``dashboard.py``, that imports Streamlit.

``connection`` (the store as the dashboard reads and writes it, cached results), ``filters`` (the sidebar and the
URL), ``style`` (the stylesheet and the print script in ``static/``), ``text`` (data shown as text in HTML or
Markdown), ``blocks`` (what pages are made of), and one module per page that does more than lay out charts:
``imports``, ``export``, ``access`` (who is using the dashboard) and ``admin``. Every rule they show is decided
below them: in ``intake``, ``access``, ``charts`` and ``export``.
"""
