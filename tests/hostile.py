"""Hostile files for the tests, written on the spot: decompression bombs (honest, lying, dense)."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

from tests.spreadsheets import write_xlsx


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(members: dict[str, bytes], big: dict[str, int]) -> bytes:
    """A workbook's members plus ``big`` members of that many zero bytes (compressed: a few hundred kB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, size in big.items():
            with z.open(name, "w", force_zip64=True) as f:
                block = b"0" * (1 << 20)
                for _ in range(size >> 20):
                    f.write(block)
    return buf.getvalue()


def _declare_small(data: bytes, name: str, declared: int = 1000) -> bytes:
    """The archive lies: ``name`` says it inflates to ``declared`` bytes (local and central headers)."""
    out = bytearray(data)
    encoded = name.encode()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    at = info.header_offset
    struct.pack_into("<I", out, at + 22, declared)
    extra_len = struct.unpack_from("<H", out, at + 28)[0]
    _zip64_sizes(out, at + 30 + len(encoded), extra_len, declared)
    cd = out.find(b"PK\x01\x02")
    while cd != -1:
        name_len, extra_len = struct.unpack_from("<HH", out, cd + 28)
        if bytes(out[cd + 46:cd + 46 + name_len]) == encoded:
            struct.pack_into("<I", out, cd + 24, declared)
            _zip64_sizes(out, cd + 46 + name_len, extra_len, declared)
        cd = out.find(b"PK\x01\x02", cd + 4)
    return bytes(out)


def _zip64_sizes(out: bytearray, start: int, length: int, declared: int) -> None:
    pos = start
    while pos + 4 <= start + length:
        tag, size = struct.unpack_from("<HH", out, pos)
        if tag == 1:  # zip64: the original size first
            struct.pack_into("<Q", out, pos + 4, declared)
        pos += 4 + size


def bomb(path: Path, kind: str, inflated_mb: int = 300) -> Path:
    """A real .xlsx (one row) carrying a bomb: ``honest`` (declared sizes true), ``lying`` (declared tiny),
    ``dense`` (many members of 1 MB, each plausible)."""
    sound = _members(write_xlsx(path.with_suffix(".src.xlsx"), ["id_maison", "nom", "code_departement"],
                                [["1", "Maison", "01"]]))
    if kind == "dense":
        data = _zip(sound, {f"xl/media/image{i}.bin": 1 << 20 for i in range(inflated_mb)})
    else:
        data = _zip(sound, {"xl/worksheets/sheet9.xml": inflated_mb << 20})
        if kind == "lying":
            data = _declare_small(data, "xl/worksheets/sheet9.xml")
    path.write_bytes(data)
    return path


def with_cached_formulas(path: Path) -> Path:
    """A workbook whose nb cells are formulas with their cached results (as Excel saves them): =1+1 → 2, and a
    formula a spreadsheet would compute to a link, =HYPERLINK(…) → its cached text."""
    write_xlsx(path, ["id_maison", "date", "thematique", "nb"], [["1", "04/01/2016", "emploi", 0],
                                                                 ["1", "05/01/2016", "x", 0]])
    members = _members(path)
    sheet = next(n for n in members if n.startswith("xl/worksheets/sheet"))
    xml = members[sheet].decode()
    xml = xml.replace('<c r="D2" t="n"><v>0</v></c>', '<c r="D2"><f>1+1</f><v>2</v></c>')
    xml = xml.replace('<c r="D3" t="n"><v>0</v></c>', '<c r="D3"><f>2*2</f><v>4</v></c>')
    xml = xml.replace('<c r="C3" t="inlineStr"><is><t>x</t></is></c>',
                      '<c r="C3" t="str"><f>HYPERLINK("http://piege.example","emploi")</f><v>emploi</v></c>')
    assert xml.count("<f>") == 3, xml
    members[sheet] = xml.encode()
    path.write_bytes(_zip(members, {}))
    return path


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _minimal_xlsx(path: Path, sheet_xml: str, shared_xml: str | None = None) -> Path:
    """The smallest workbook a spreadsheet parser opens: one sheet (and its shared strings)."""
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    members = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                               f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
                               '</Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       f'relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="Feuil1" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      f'package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/worksheet" '
                                      'Target="worksheets/sheet1.xml"/>'
                                      + (f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" '
                                         'Target="sharedStrings.xml"/>' if shared_xml else "") + "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared_xml:
        members["xl/sharedStrings.xml"] = shared_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def far_cell(path: Path) -> Path:
    """2 KB: a cell at A1 and one at XFD1048576, the last cell a sheet can have (17 billion cells between)."""
    return _minimal_xlsx(path, f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row r="1"><c r="A1" '
                               't="inlineStr"><is><t>id_maison</t></is></c></row><row r="1048576"><c r="XFD1048576" '
                               't="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')


def lying_shared_strings(path: Path) -> Path:
    """Shared strings declaring 4 billion texts (one is there)."""
    return _minimal_xlsx(path, f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row r="1"><c r="A1" t="s"><v>0</v>'
                               '</c></row></sheetData></worksheet>',
                         f'<?xml version="1.0"?><sst {_NS} count="4000000000" uniqueCount="4000000000"><si><t>a</t>'
                         '</si></sst>')


def declared_extent(path: Path) -> Path:
    """A sheet that declares A1:XFD1048576 (a cell in its first row only)."""
    return _minimal_xlsx(path, f'<?xml version="1.0"?><worksheet {_NS}><dimension ref="A1:XFD1048576"/><sheetData>'
                               '<row r="1"><c r="A1" t="inlineStr"><is><t>id_maison</t></is></c></row></sheetData>'
                               '</worksheet>')


def _text_cell(value: str, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell{times} office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def repeated_ods(path: Path, repeat: int = 2**30) -> Path:
    """An 864-byte kind of .ods: one cell repeated ``repeat`` times across its row."""
    return _ods(path, f"<table:table-row>{_text_cell('x', repeat)}</table:table-row>")


def repeated_rows_ods(path: Path, maison: str, rows: int = 1_048_000) -> Path:
    """A 1 KB .ods of activity: a header, then one row repeated ``rows`` times (a sound file, of many rows)."""
    head = "".join(_text_cell(h) for h in ["id_maison", "date", "thematique", "nb"])
    row = (_text_cell(maison) + _text_cell("04/01/2016") + _text_cell("emploi")
           + '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>')
    return _ods(path, f'<table:table-row>{head}</table:table-row>'
                      f'<table:table-row table:number-rows-repeated="{rows}">{row}</table:table-row>')


def _ods(path: Path, rows_xml: str) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               f'<table:table table:name="Feuille1">{rows_xml}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
                   'tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    return path


def _patched_xls(path: Path, record: bytes, at: int, value: int) -> Path:
    """A real .xls (xlwt) whose first record of type ``record`` (its 4-byte header) has, ``at`` bytes into its
    body, the 4-byte ``value``."""
    from tests.spreadsheets import write_xls

    data = bytearray(write_xls(path, ["id_maison", "date", "thematique", "nb"], [["1", "04/01/2016", "emploi", 1]])
                     .read_bytes())
    where = data.find(record)
    assert where > 0, record
    struct.pack_into("<I", data, where + 4 + at, value)
    path.write_bytes(bytes(data))
    return path


def xls_declaring_rows(path: Path, rows: int = 4_000_000_000) -> Path:
    """An .xls whose sheet's DIMENSIONS say ``rows`` rows (an .xls holds 65,536)."""
    return _patched_xls(path, b"\x00\x02\x0e\x00", 4, rows)


def xls_sheet_beyond_its_end(path: Path) -> Path:
    """An .xls whose BOUNDSHEET places its sheet at 0x7FFFFFF0 (the parser used to panic)."""
    return _patched_xls(path, b"\x85\x00", 0, 0x7FFFFFF0)


def xls_last_row(path: Path, maison: str) -> Path:
    """A sound .xls of activity whose last row is the last an .xls can hold (65,536): a row of the file."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Activité")
    for j, (head, last) in enumerate(zip(["id_maison", "date", "thematique", "nb"],
                                         [maison, "04/01/2016", "emploi", 7])):
        ws.write(0, j, head)
        ws.write(65_535, j, last)
    wb.save(str(path))
    return path


def big_geojson(path: Path, registry_csv: Path, copies: int) -> Path:
    """The national list as a GeoJSON FeatureCollection, ``copies`` times over (each copy's ids suffixed)."""
    import csv
    import json

    with open(registry_csv, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for copy in range(copies):
            for i, row in enumerate(rows):
                props = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
                props["id_fs"] = f"{row['id_fs']}-{copy}"
                point = [float(row["longitude"] or 0), float(row["latitude"] or 0)]
                feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": point}, "properties": props}
                out.write(("" if copy == i == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
        out.write("\n]}\n")
    return path


# Readers for the reading process's own tests (called there as ``tests.hostile:NAME``, the file's bytes first).

def reader_aborts(data: bytes) -> None:
    """As the spreadsheet parser did when an allocation failed: the whole process ends (SIGABRT)."""
    os.abort()


class Panic(BaseException):
    """As a Rust panic reaches Python: not an Exception."""


def reader_panics(data: bytes) -> None:
    raise Panic("index out of bounds")


def reader_spins(data: bytes) -> None:
    while True:
        pass


def reader_sleeps(data: bytes) -> None:
    import time

    time.sleep(3600)


def reader_allocates(data: bytes) -> bytes:
    return b"x" * (64 * 2**30)


def reader_echoes(data: bytes) -> int:
    return len(data)


def reader_makes_a_table(data: bytes):
    """A result of 2 MB of Arrow (4,000 texts of 500 bytes), the file's size in its first row."""
    import pyarrow as pa

    return pa.table({"texte": [str(len(data)), *("x" * 500 for _ in range(3999))]})
