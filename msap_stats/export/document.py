"""The "En bref" PDF, typeset by Typst from a template and the pack's data (charts embedded as SVG)."""

from __future__ import annotations

import datetime
import json
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).with_name("en_bref.typ")
# Debian's fonts (fonts-liberation2, fonts-dejavu-core); Typst's own fonts otherwise. Nothing is downloaded.
FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/truetype/dejavu")


class TypesetError(RuntimeError):
    """Typst could not typeset the document."""


MAX_PAGES = 4
SCALES = (0.9, 0.78, 0.68)  # the charts' width on the page, tried in turn until the note fits
LEAST_FILLED = 0.3  # a last page filled less than this is « mostly blank »
PAGE_HEIGHT = 841.89  # A4, points
MARGINS = (1.6 + 1.7) * 72 / 2.54  # top and bottom, points


def pdf(data: dict, images: dict[str, bytes]) -> bytes:
    """Typeset the note: ``data`` as the template reads it, ``images`` the files its charts name. The charts are
    drawn at the largest width that keeps the note within four pages without a last page mostly blank (the
    narrowest tried is kept when none does)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="msap-enbref-") as tmp:
        root = Path(tmp)
        for name, content in images.items():
            (root / name).write_bytes(content)
        main = root / TEMPLATE.name
        main.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        fonts = [d for d in FONT_DIRS if Path(d).is_dir()]

        def at(scale: float) -> None:
            (root / "data.json").write_text(json.dumps({**data, "echelle": scale}, ensure_ascii=False, default=str),
                                            encoding="utf-8")

        try:
            tried = []
            for scale in SCALES:
                at(scale)
                end = json.loads(typst.query(str(main), "<fin>", field="value", one=True, root=str(root),
                                             font_paths=fonts))
                pages = int(end["page"])
                used = (float(end["y"].removesuffix("pt")) - MARGINS / 2) / (PAGE_HEIGHT - MARGINS)
                tried.append((pages, -used, scale))
                if pages <= MAX_PAGES and (pages == 1 or used >= LEAST_FILLED):
                    break
            else:  # none fits: the fewest pages, then the fullest last page
                at(min(tried)[2])
            return typst.compile(str(main), root=str(root), font_paths=fonts, timestamp=_timestamp(data))
        except typst.TypstError as e:  # a bug of the template, not of the user's data
            raise TypesetError(f"La mise en page du PDF a échoué : {e}") from e


def _timestamp(data: dict) -> int | None:
    """The PDF's own date: the note's day of edition (midnight UTC), so that a note rebuilt the same day from the
    same data is the same file."""
    try:
        day = datetime.date.fromisoformat(str(data.get("jour_iso")))
    except ValueError:
        return None
    return int(datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.timezone.utc).timestamp())
