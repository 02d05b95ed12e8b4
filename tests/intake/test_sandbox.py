"""The reading process: whatever a parser does to it (abort, panic, spin, hang, exhaust its memory), the caller
gets a French refusal naming the cause, and the next file is read as if nothing had happened."""

from __future__ import annotations

import os
import subprocess
import tempfile

import pytest

from msap_stats.errors import ImportRefused
from msap_stats.intake import sandbox


@pytest.fixture
def fresh_pool(monkeypatch):
    """Reading processes started for the test (with its limits), and none of them left after it."""
    sandbox._shutdown()
    yield monkeypatch
    sandbox._shutdown()


@pytest.mark.parametrize("target, words, env", [
    ("reader_aborts", "mémoire permise", {}),
    ("reader_panics", "n'a pas pu être lu : il est endommagé", {}),
    ("reader_allocates", "mémoire permise (1 Go)", {"MSAP_READ_MEMORY_MB": "1024"}),
    ("reader_spins", "dépassé 1 secondes de calcul", {"MSAP_READ_CPU_SECONDS": "1"}),
])
def test_a_reader_that_dies_is_a_french_refusal_and_the_next_file_is_read(fresh_pool, target, words, env):
    for name, value in env.items():
        fresh_pool.setenv(name, value)
    if "MSAP_READ_MEMORY_MB" in env:
        fresh_pool.setattr(sandbox, "MEMORY_MB", int(env["MSAP_READ_MEMORY_MB"]))  # as the server reads it
    if "MSAP_READ_CPU_SECONDS" in env:
        fresh_pool.setattr(sandbox, "CPU_SECONDS", int(env["MSAP_READ_CPU_SECONDS"]))
    pid = os.getpid()
    with pytest.raises(ImportRefused) as refused:
        sandbox.run(f"tests.hostile:{target}", b"donnees", fichier="hostile.xlsx")
    assert words in str(refused.value) and refused.value.fichier == "hostile.xlsx"
    assert "Traceback" not in str(refused.value) and "Panic" not in str(refused.value)
    assert os.getpid() == pid  # this process lives on
    assert sandbox.run("tests.hostile:reader_echoes", b"12345", fichier="bon.xlsx") == 5


def test_a_reader_that_never_answers_is_ended_at_the_wall_time(fresh_pool):
    fresh_pool.setattr(sandbox, "WALL_SECONDS", 2)
    with pytest.raises(ImportRefused, match="dépassé 2 secondes"):
        sandbox.run("tests.hostile:reader_sleeps", b"", fichier="lent.ods")
    assert sandbox.run("tests.hostile:reader_echoes", b"abc", fichier="bon.ods") == 3


def test_a_process_done_with_its_file_ends_on_its_own_and_is_collected(fresh_pool):
    """A command's reading process (none kept ahead) is told to end once it has answered, without the command waiting
    for its exit; it ends cleanly, and is collected with the command."""
    fresh_pool.setattr(sandbox, "POOL", 0)
    assert sandbox.run("tests.hostile:reader_echoes", b"abc", fichier="bon.ods") == 3
    assert sandbox._idle == [] and len(sandbox._ending) == 1
    worker = sandbox._ending[0]
    assert worker.wait(10) == 0  # its input closed: it left its loop
    assert sandbox.run("tests.hostile:reader_echoes", b"abcd", fichier="bon.ods") == 4
    assert sandbox._ending == [sandbox._ending[0]] and sandbox._ending[0] is not worker  # the ended one collected
    sandbox._shutdown()
    assert sandbox._ending == [] and worker.returncode == 0


def test_a_reading_cancelled_while_it_parses_ends_its_process_and_the_next_file_is_read(fresh_pool):
    """``start`` hands the file over and returns while the process parses; ``cancel`` (the file refused meanwhile)
    kills that process at once: it is never given another file, and its folder is gone."""
    reading = sandbox.start("tests.hostile:reader_sleeps", b"abc", fichier="lent.xlsx")
    folder = reading._folder.name
    assert reading.worker.poll() is None and os.path.exists(os.path.join(folder, "data"))
    reading.cancel()
    assert reading.worker.returncode == -9 and not os.path.exists(folder)
    assert reading.worker not in sandbox._idle
    assert sandbox.run("tests.hostile:reader_echoes", b"abcd", fichier="bon.xlsx") == 4


def test_a_workbook_is_parsed_while_its_archive_is_checked_and_a_bomb_ends_its_parse(fresh_pool, tmp_path):
    """The reading process is given the workbook before its archive is inflated and checked here (two cores at
    once); an archive refused by the check ends the parse at once, with the check's own message."""
    from msap_stats.intake import reader
    from tests.hostile import bomb
    from tests.spreadsheets import write_xlsx

    events, started = [], []
    real_start, real_check = sandbox.start, reader.check_archive

    def start(*args, **kwargs):
        started.append(real_start(*args, **kwargs))
        events.append("lecture donnée")
        return started[-1]

    def check(*args, **kwargs):
        events.append("archive contrôlée")
        return real_check(*args, **kwargs)

    fresh_pool.setattr(sandbox, "start", start)
    fresh_pool.setattr(reader, "check_archive", check)
    sound = write_xlsx(tmp_path / "a.xlsx", ["id_maison", "nb"], [["MSAP-1", 3]])
    book = reader.read_book(sound.read_bytes(), "a.xlsx")
    assert events == ["lecture donnée", "archive contrôlée"] and book.sheets[0].head[1] == ["MSAP-1", "3"]
    with pytest.raises(ImportRefused, match="bombe de décompression"):
        reader.read_book(bomb(tmp_path / "b.xlsx", "lying").read_bytes(), "b.xlsx")
    assert events[2:] == ["lecture donnée", "archive contrôlée"] and started[-1].worker.returncode == -9


def test_a_result_goes_through_memory_when_there_is_room_and_through_the_disk_otherwise(fresh_pool):
    """The folder of a file and its result is made in the memory folder (a tmpfs) when it has room for twice the
    largest result a reading process can make; else in the system's temporary folder."""
    if sandbox._memory_folder() is None:
        pytest.skip(f"{sandbox.MEMORY_FOLDER} n'a pas {2 * sandbox.MEMORY_MB} Mo libres sur cette machine")
    for roomy, root in ((True, sandbox.MEMORY_FOLDER), (False, tempfile.gettempdir())):
        fresh_pool.setattr(sandbox, "MEMORY_MB", sandbox.MEMORY_MB if roomy else 2**40)
        reading = sandbox.start("tests.hostile:reader_makes_a_table", b"abc", fichier="bon.xlsx")
        assert os.path.dirname(reading._folder.name) == root
        table = reading.result()
        assert table.num_rows == 4000 and table.column("texte")[0].as_py() == "3"
        assert not os.path.exists(reading._folder.name)


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A tmpfs of 1 MB of our own (mounting one needs root: skipped otherwise)."""
    where = tmp_path / "petit"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True).returncode:
        pytest.skip("monter un tmpfs demande les droits de root")
    yield str(where)
    subprocess.run(["umount", str(where)], check=True)


def test_a_memory_folder_that_fills_up_sends_the_reading_to_the_disk(fresh_pool, tiny_tmpfs):
    """A result larger than the memory folder's room is read again on disk, the same; a file larger than that room
    goes to the disk at once; and a disk folder too full for the result is a French refusal that does not blame
    the file, the next file read as usual."""
    fresh_pool.setattr(sandbox, "MEMORY_FOLDER", tiny_tmpfs)
    fresh_pool.setattr(sandbox, "MEMORY_MB", 0)  # the room judged enough: the 2 MB result is written there and fails
    reading = sandbox.start("tests.hostile:reader_makes_a_table", b"abcd", fichier="bon.xlsx")
    assert reading.root == tiny_tmpfs
    table = reading.result()
    assert table.num_rows == 4000 and table.column("texte")[0].as_py() == "4"
    assert os.listdir(tiny_tmpfs) == []  # its folder removed, its room given back
    big = sandbox.start("tests.hostile:reader_echoes", b"x" * 2**21, fichier="gros.xlsx")
    assert big.root is None and big.result() == 2**21 and os.listdir(tiny_tmpfs) == []

    fresh_pool.setattr(sandbox, "MEMORY_FOLDER", "/nulle/part")
    fresh_pool.setattr(tempfile, "tempdir", tiny_tmpfs)
    with pytest.raises(ImportRefused) as refused:
        sandbox.run("tests.hostile:reader_makes_a_table", b"abc", fichier="bon.xlsx")
    assert "dossier temporaire de ce serveur est plein" in str(refused.value)
    assert "n'est pas en cause" in str(refused.value) and refused.value.fichier == "bon.xlsx"
    assert os.listdir(tiny_tmpfs) == []
    assert sandbox.run("tests.hostile:reader_echoes", b"abc", fichier="bon.ods") == 3
