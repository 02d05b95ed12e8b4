"""Text that came from the data (a file's names and cells, an e-mail address) shown as text, never as markup."""

from __future__ import annotations

import html


def html_text(text: object) -> str:
    """For HTML (``st.html``): every markup character escaped."""
    return html.escape(str(text), quote=False)


def markdown_lines(text: object) -> str:
    """A text of several lines (a refusal's report) for Streamlit Markdown: each line escaped as ``markdown_text``,
    its own paragraph, and the lines starting with "- " a list."""
    blocks, items = [], []
    for line in str(text).splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append("- " + markdown_text(line[2:]))
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        if line:
            blocks.append(markdown_text(line))
    if items:
        blocks.append("\n".join(items))
    return "\n\n".join(blocks)


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
