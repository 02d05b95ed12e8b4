"""Text that came from the data (a file's names and cells, an e-mail address) shown as text, never as markup."""

from __future__ import annotations

import html


def html_text(text: object) -> str:
    """For HTML (``st.html``): every markup character escaped."""
    return html.escape(str(text), quote=False)


def markdown_text(text: object) -> str:
    """For Streamlit Markdown (``st.markdown``, ``st.error``…): every Markdown or HTML character escaped, no
    automatic link."""
    text = str(text).replace("://", ":\u2060//").replace("www.", "www\u2060.").replace("@", "@\u2060")
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()#+-.!|<>~$:&\"'=":
            out.append("\\" + ch)
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
