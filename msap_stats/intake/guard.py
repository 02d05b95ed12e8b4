"""What a user's file may cost before it is read: only regular files, bytes counted as read, archives inflated
under a budget counted on the bytes they actually produce (never on the sizes they declare).

A workbook (.xlsx, .ods) is a zip archive. Its members are inflated here, in bounded pieces, before any parser
sees it: a "lying" bomb (small declared sizes, huge content), an honest one and a dense one (many members) are all
stopped once the bytes produced pass ``MAX_UNZIPPED`` or ``MAX_RATIO`` times the archive's size.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import refuse
from ..fmt import nombre, printable

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_UNZIPPED = 1_000_000_000  # bytes produced by all the members of a workbook
MAX_RATIO = 100  # produced bytes per archive byte (real workbooks: 5 to 20), beyond a first allowance
RATIO_ALLOWANCE = 50_000_000
_PIECE = 1 << 20


def too_big_message() -> str:
    return f"le fichier dépasse {MAX_FILE_BYTES // 2**20} Mo ; découpez-le (par période, par Maison)."


def _open_regular(path: Path, fichier: str) -> int:
    """A descriptor of a regular file; directories, devices, pipes and sockets are refused without waiting."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once instead of waiting for a writer
    except IsADirectoryError:
        raise refuse(f"« {display_name(path)} » est un dossier, pas un fichier.", fichier) from None
    except OSError:
        raise refuse(f"le fichier {display_name(path)} est introuvable ou illisible.", fichier) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = ("un dossier" if stat.S_ISDIR(mode) else "un tube (FIFO)" if stat.S_ISFIFO(mode)
                else "un périphérique" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "un fichier spécial")
        raise refuse(f"« {display_name(path)} » est {what}, pas un fichier ordinaire : seul un fichier "
                     "enregistré sur le disque peut être importé.", fichier)
    return fd


def _changing(path: Path, before: int, read: int, fichier: str):
    return refuse(f"le fichier {display_name(path)} change pendant sa lecture ({nombre(before)} octets à "
                  f"l'ouverture, {nombre(read)} lus) : il est sans doute encore en cours d'écriture ou "
                  "de copie. Attendez la fin de l'enregistrement, puis recommencez.", fichier)


_CHUNK = 1 << 23
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")  # bytes Windows-1252 leaves without a character


class UserFile:
    """A user's file, the one way the import path reads one: only a regular file (never a folder, a device or a tube,
    refused without waiting), at most ``MAX_FILE_BYTES`` counted as read, read once as a stream: its size, its SHA-256 and what its encoding may be (whether it is UTF-8,
    whether it holds bytes Windows-1252 does not define), without its bytes being held: a large CSV is then read
    again as a stream by its parser (``path``), and refused if it changed in between (``check_unchanged``). Bytes
    already in memory (an upload) are held as they are (``data``)."""

    def __init__(self, fichier: str, *, path: Path | None = None, data: bytes | None = None):
        self.fichier, self.path, self.data = fichier, path, data
        digest, utf8, undefined = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), False
        size, hashing = 0, None
        with ThreadPoolExecutor(1) as hasher:  # a chunk hashed while the next is read and searched (GIL released)
            for chunk in self.chunks():
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise refuse(too_big_message(), fichier)
                if hashing is not None:
                    hashing.result()  # two chunks held at most
                hashing = hasher.submit(digest.update, chunk)
                if utf8 is not None:
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = None
                if data is None:  # bytes held are searched whole below (a memoryview is searched byte by byte)
                    undefined = undefined or any(b in chunk for b in CP1252_UNDEFINED)
        if data is not None:
            undefined = any(b in data for b in CP1252_UNDEFINED)
        if utf8 is not None:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = None
        self.size, self.sha256, self.utf8, self.cp1252_undefined = size, digest.hexdigest(), utf8 is not None, undefined
        self.stamp = self._stamp() if path is not None else None
        if self.stamp is not None and self.stamp[1] != size:
            raise _changing(path, self.stamp[1], size, fichier)

    @classmethod
    def open(cls, path: str | Path, fichier: str | None = None) -> UserFile:
        path = Path(path)
        return cls(fichier or display_name(path), path=path)

    def _stamp(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except OSError:
            raise refuse(f"le fichier {display_name(self.path)} n'a pas pu être lu.", self.fichier) from None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def chunks(self, start: int = 0):
        if self.data is not None:
            view = memoryview(self.data)
            for pos in range(start, len(self.data), _CHUNK):
                yield view[pos:pos + _CHUNK]
            return
        fd = _open_regular(self.path, self.fichier)
        try:
            with os.fdopen(fd, "rb", closefd=True) as f:
                fd = None
                f.seek(start)
                while chunk := f.read(_CHUNK):
                    yield chunk
        except OSError:
            raise refuse(f"le fichier {display_name(self.path)} n'a pas pu être lu.", self.fichier) from None
        finally:
            if fd is not None:
                os.close(fd)

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes."""
        if self.data is not None:
            return bytes(self.data[:size])
        fd = _open_regular(self.path, self.fichier)
        try:
            return os.pread(fd, size, 0)
        except OSError:
            raise refuse(f"le fichier {display_name(self.path)} n'a pas pu être lu.", self.fichier) from None
        finally:
            os.close(fd)

    def read(self) -> bytes:
        """The whole file (a workbook, a JSON, margins: their parsers take it whole), held from then on."""
        if self.data is None:
            data = b"".join(self.chunks())
            self.check_unchanged(len(data))
            self.data = data
        return self.data

    def check_unchanged(self, read: int | None = None) -> None:
        """Refuse a file on disk that changed since it was hashed (it is being written or copied)."""
        if self.path is not None and (self._stamp() != self.stamp or read not in (None, self.size)):
            raise _changing(self.path, self.size, self._stamp()[1], self.fichier)


def as_user_file(data: bytes | UserFile, fichier: str | None) -> UserFile:
    return data if isinstance(data, UserFile) else UserFile(fichier or "", data=data)


def display_name(path: str | Path) -> str:
    """A file name as text: undecodable bytes shown as �, control characters made visible."""
    raw = os.fsencode(Path(path).name)
    return printable(raw.decode("utf-8", errors="replace"))


# --- Archives --------------------------------------------------------------------

def _budget(data: bytes) -> int:
    return min(MAX_UNZIPPED, MAX_RATIO * len(data) + RATIO_ALLOWANCE)


def open_archive(data: bytes, fichier: str | None = None) -> zipfile.ZipFile:
    """The archive with its list of members, refused if it is damaged or declares more than the budget (an honest
    bomb says so at once); nothing inflated yet (``check_archive`` does: a member is read here by a few bytes at
    most)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise refuse("le fichier est une archive ZIP endommagée, pas un classeur lisible.", fichier) from None
    if sum(i.file_size for i in infos) > _budget(data):
        raise refuse(_bomb(), fichier)
    return archive


def check_archive(data: bytes, fichier: str | None = None) -> zipfile.ZipFile:
    """The archive, once every member has been inflated within the budget; refused otherwise."""
    archive, budget = open_archive(data, fichier), _budget(data)
    produced, sizes = 0, {}
    for info in archive.infolist():
        watch = (_repeats(fichier) if info.filename == "content.xml" else  # an OpenDocument's cells
                 _extent(fichier) if info.filename.startswith("xl/worksheets/") else None)
        sizes[info.filename] = _inflated_size(data, info, budget - produced, fichier, watch)
        produced += sizes[info.filename]
    _check_declared(archive, sizes, fichier)
    return archive


MAX_DECLARED_CELLS = 200_000_000  # a sheet's declared extent (rows × columns) the parser would allocate at once
_COUNT = re.compile(rb'uniqueCount="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def _check_declared(archive: zipfile.ZipFile, sizes: dict[str, int], fichier: str | None) -> None:
    """What an .xlsx declares before the parser allocates it: its shared texts (each takes bytes of its own) and
    its sheets' extent."""
    for name, size in sizes.items():
        if name == "xl/sharedStrings.xml":
            m = _COUNT.search(archive.open(name).read(4096))
            if m and int(m.group(1)) > size // 7 + 1:  # "<si><t/></si>": no text takes fewer bytes
                raise refuse(f"le classeur déclare {nombre(int(m.group(1)))} textes partagés mais n'en contient au "
                             f"plus que {nombre(size // 7)} : il est construit pour épuiser la mémoire ; il est "
                             "refusé.", fichier)
        elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
            m = _DIMENSION.search(archive.open(name).read(4096))
            if m and m.group(3):
                rows = int(m.group(4)) - int(m.group(2)) + 1
                cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
                if rows * cols > MAX_DECLARED_CELLS:
                    raise refuse(f"le classeur déclare une feuille de {nombre(rows)} lignes sur {nombre(cols)} "
                                 f"colonnes ({m.group(1).decode()}{m.group(2).decode()}:{m.group(3).decode()}"
                                 f"{m.group(4).decode()}), soit {nombre(rows * cols)} cellules : bien plus qu'un "
                                 "tableau de données ; il est refusé. Réenregistrez-le après avoir supprimé les "
                                 "lignes et colonnes vides du bas et de la droite.", fichier)


def _bomb() -> str:
    return ("l'archive se décompresse en un volume démesuré pour un classeur ; elle est refusée par prudence "
            "(bombe de décompression ?).")


# An OpenDocument sheet has at most 16,384 columns and 1,048,576 rows: a repeat count beyond is no real sheet, and
# the parser would spend minutes (or all memory) unrolling it.
_REPEATED = re.compile(rb'number-(columns|rows)-repeated="(\d{1,20})"')
_REPEAT_LIMITS = {b"columns": 16_384, b"rows": 1_048_576}


def _repeats(fichier: str | None):
    """A watcher of an OpenDocument's content, piece by piece, refusing a repeat count no sheet can hold."""
    tail = b""

    def watch(chunk: bytes) -> None:
        nonlocal tail
        text = tail + chunk
        for m in _REPEATED.finditer(text):
            if int(m.group(2)) > _REPEAT_LIMITS[m.group(1)]:
                what = "colonnes" if m.group(1) == b"columns" else "lignes"
                raise refuse(f"le classeur déclare une cellule répétée sur {nombre(int(m.group(2)))} {what}, plus "
                             "qu'une feuille n'en peut contenir : il est construit pour épuiser la mémoire ou le "
                             "temps de lecture ; il est refusé.", fichier)
        tail = text[-64:]

    return watch


_WIDE_REF = re.compile(rb' r="([A-Z]{2,3})(\d{1,7})"')  # a cell past column Z
_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,7})"')


def _extent(fichier: str | None):
    """A watcher of an .xlsx sheet, piece by piece: the farthest column and row its cells are written at; a cell
    so far from A1 that the sheet would hold more than ``MAX_DECLARED_CELLS`` is refused, named (the parser
    would allocate the whole rectangle up to it). Rows come in order: a piece's last row is the farthest; only
    cells past column Z are looked at one by one (up to Z, no row count reaches the limit)."""
    tail, far_col, far_row = b"", 26, 0

    def check(ref: str) -> None:
        if far_col * far_row > MAX_DECLARED_CELLS:
            raise refuse(f"le classeur écrit une cellule en {ref}, si loin de la première que la feuille compterait "
                         f"{nombre(far_col * far_row)} cellules ({nombre(far_row)} lignes sur {nombre(far_col)} "
                         "colonnes) : il est construit pour épuiser la mémoire ; il est refusé. Supprimez les "
                         "cellules isolées loin du tableau, puis réenregistrez-le.", fichier)

    def watch(chunk: bytes) -> None:
        nonlocal tail, far_col, far_row
        text = tail + chunk
        for m in _WIDE_REF.finditer(text):
            col, row = _column_number(m.group(1)), int(m.group(2))
            if col > far_col or row > far_row:
                far_col, far_row = max(far_col, col), max(far_row, row)
                check(f"{m.group(1).decode()}{row}")
        last = _ROW.search(text, max(0, text.rfind(b"row ") - 8))
        if last and int(last.group(1)) > far_row:
            far_row = int(last.group(1))
            check(f"ligne {far_row}")
        tail = text[-256:]

    return watch


def _inflated_size(data: bytes, info: zipfile.ZipInfo, left: int, fichier: str | None, watch=None) -> int:
    """Bytes the member really inflates to, counted piece by piece up to ``left``; its end is the deflate
    stream's own end, whatever sizes the headers declare."""
    start = _data_offset(data, info, fichier)
    if info.compress_type == zipfile.ZIP_STORED:
        size = info.compress_size
        if size > left:
            raise refuse(_bomb(), fichier)
        if watch:
            for pos in range(start, start + size, _PIECE):
                watch(data[pos:min(pos + _PIECE, start + size)])
        return size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise refuse("l'archive utilise une compression inconnue des tableurs ; elle est refusée.", fichier)
    inflater = zlib.decompressobj(-15)
    view = memoryview(data)
    produced, pos = 0, start
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, _PIECE)
            elif pos < len(data):
                chunk = inflater.decompress(view[pos:pos + _PIECE], _PIECE)
                pos += _PIECE
            else:
                break  # truncated: the parser will say so
            produced += len(chunk)
            if produced > left:
                raise refuse(_bomb(), fichier)
            if watch:
                watch(chunk)
    except zlib.error:
        raise refuse("le classeur est endommagé (un de ses éléments compressés est illisible).", fichier) from None
    return produced


def _data_offset(data: bytes, info: zipfile.ZipInfo, fichier: str | None) -> int:
    at = info.header_offset
    header = data[at:at + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise refuse("le fichier est une archive ZIP endommagée, pas un classeur lisible.", fichier)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return at + 30 + name_len + extra_len


# --- Old .xls workbooks (BIFF records in an OLE container) ------------------------------------------------------
# A sheet's DIMENSIONS record declares its extent, which the parser allocates at once; a BOUNDSHEET record gives
# where its sheet starts in the stream. An .xls sheet has at most 65,536 rows and 256 columns.
XLS_ROWS, XLS_COLUMNS = 65_536, 256
_BOUNDSHEET, _DIMENSIONS, _EOF = 0x0085, 0x0200, 0x000A
_SHEET_HEAD = 200  # records read after a sheet's start to find its DIMENSIONS (they come before the cells)


def _biff_records(stream: bytes, pos: int, limit: int):
    """(type, body) of at most ``limit`` records from ``pos``."""
    for _ in range(limit):
        if pos + 4 > len(stream):
            return
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, stream[pos + 4:pos + 4 + size]
        pos += 4 + size


def check_xls(data: bytes, fichier: str | None = None) -> None:
    """What an .xls declares before the parser allocates it: where its sheets start, and their extent. A
    container olefile cannot open is left to the parser, which says it is damaged."""
    import olefile  # read only by the reading process, on .xls files

    try:
        with olefile.OleFileIO(data) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            stream = ole.openstream(name).read() if name else b""
    except Exception:  # noqa: BLE001 — not an OLE container olefile reads: the parser will tell
        return
    starts = [struct.unpack_from("<I", body)[0] for kind, body in _biff_records(stream, 0, 100_000)
              if kind == _BOUNDSHEET and len(body) >= 4]
    for start in starts:
        if start >= len(stream):
            raise refuse(f"le classeur place une de ses feuilles à la position {nombre(start)}, au-delà de sa "
                         f"propre fin ({nombre(len(stream))} octets) : il est endommagé ou construit pour faire "
                         "échouer la lecture ; il est refusé. Réenregistrez-le depuis le tableur (.xlsx).", fichier)
        for kind, body in _biff_records(stream, start, _SHEET_HEAD):
            if kind == _DIMENSIONS and len(body) >= 14:
                rows, cols = struct.unpack_from("<I", body, 4)[0], struct.unpack_from("<H", body, 10)[0]
                if rows > XLS_ROWS or cols > XLS_COLUMNS:
                    raise refuse(f"le classeur déclare une feuille de {nombre(rows)} lignes sur {nombre(cols)} "
                                 f"colonnes, plus qu'une feuille .xls n'en peut contenir ({nombre(XLS_ROWS)} sur "
                                 f"{XLS_COLUMNS}) : il est construit pour épuiser la mémoire ; il est refusé.",
                                 fichier)
            if kind in (_DIMENSIONS, _EOF):
                break
