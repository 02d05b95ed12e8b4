"""The one pass a user's file is read in: its SHA-256 and what its encoding may be, over chunk boundaries."""
from __future__ import annotations

import hashlib

import pytest

from msap_stats.intake import guard
from msap_stats.intake.guard import UserFile


def _spanning(tail: bytes) -> bytes:
    """Text over three chunks and a bit, a two-byte UTF-8 character cut by each chunk boundary, ``tail`` at the end."""
    line = b"M0001;Ma\xc3\xaftre\n"
    body = bytearray(b"id;nom\n" + line * (3 * guard._CHUNK // len(line) + 1000))
    for k in range(1, 4):
        at = k * guard._CHUNK - 1
        body[at:at + 2] = "é".encode()
    return bytes(body) + tail


@pytest.mark.parametrize("tail, utf8, undefined", [
    (b"fin\n", True, False),
    ("fin ÿ\n".encode("cp1252"), False, False),
    (b"fin \x81\n", False, True),  # a byte Windows-1252 leaves undefined, in the last chunk only
])
@pytest.mark.parametrize("held", [False, True])
def test_a_file_over_several_chunks_is_hashed_and_searched_whole(tmp_path, tail, utf8, undefined, held):
    data = _spanning(tail)
    path = tmp_path / "gros.csv"
    path.write_bytes(data)
    f = UserFile("gros.csv", data=data) if held else UserFile.open(path)
    assert len(data) > 3 * guard._CHUNK
    assert (f.size, f.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert (f.utf8, f.cp1252_undefined) == (utf8, undefined)
