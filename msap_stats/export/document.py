"""The "En bref" PDF, typeset by Typst from a template and the pack's data (charts embedded as SVG)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).with_name("en_bref.typ")
# Debian's fonts (fonts-liberation2, fonts-dejavu-core); Typst's own fonts otherwise. Nothing is downloaded.
FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/truetype/dejavu")


class TypesetError(RuntimeError):
    """Typst could not typeset the document."""


def pdf(data: dict, images: dict[str, bytes]) -> bytes:
    """Typeset the note: ``data`` as the template reads it, ``images`` the files its charts name."""
    import typst

    with tempfile.TemporaryDirectory(prefix="msap-enbref-") as tmp:
        root = Path(tmp)
        (root / "data.json").write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        for name, content in images.items():
            (root / name).write_bytes(content)
        main = root / TEMPLATE.name
        main.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            return typst.compile(str(main), root=str(root),
                                 font_paths=[d for d in FONT_DIRS if Path(d).is_dir()])
        except typst.TypstError as e:  # a bug of the template, not of the user's data
            raise TypesetError(f"La mise en page du PDF a échoué : {e}") from e
