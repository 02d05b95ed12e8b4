"""Files the project writes never follow a link planted at their name, never replace a file unless asked, and
never stay half-written."""

from __future__ import annotations

import os

import pytest

from msap_stats import files
from tests.test_cli import cli


def test_a_link_at_the_name_is_never_followed(tmp_path):
    victim = tmp_path / "victime.txt"
    victim.write_text("à garder")
    link = tmp_path / "dossier_en_bref.zip"
    link.symlink_to(victim)
    with pytest.raises(files.WriteRefused, match="lien symbolique"):
        files.write(link, b"pack")
    files.write(link, b"pack", force=True)  # asked: the link itself is replaced by the file
    assert victim.read_text() == "à garder" and not link.is_symlink() and link.read_bytes() == b"pack"


def test_an_existing_file_is_kept_unless_asked_and_no_part_is_left(tmp_path):
    target = tmp_path / "modele.xlsx"
    target.write_bytes(b"ancien")
    with pytest.raises(files.WriteRefused, match="existe déjà"):
        files.write(target, b"nouveau")
    assert target.read_bytes() == b"ancien"
    files.write(target, b"nouveau", force=True)
    assert target.read_bytes() == b"nouveau" and [p.name for p in tmp_path.iterdir()] == ["modele.xlsx"]


def test_a_linked_directory_is_refused(tmp_path):
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    (tmp_path / "sortie").symlink_to(elsewhere)
    with pytest.raises(files.WriteRefused, match="lien symbolique"):
        files.write(tmp_path / "sortie" / "a.csv", b"x")
    assert not any(elsewhere.iterdir())


def test_the_command_line_writes_through_no_link(tmp_path, demo_db):
    victim = tmp_path / "victime"
    victim.write_text("à garder")
    for name, args in (("modele.xlsx", ("template", "activite")), ("journal.csv", ("audit", "--db", str(demo_db),
                                                                                    "--csv"))):
        planted = tmp_path / name
        planted.symlink_to(victim)
        run = cli(*args, str(planted))
        assert victim.read_text() == "à garder"
        if name.endswith(".xlsx"):  # a template is not written over what is there
            assert run.returncode == 1 and "lien symbolique" in run.stderr and planted.is_symlink()
        else:  # an extract asked by name replaces the link, never its target
            assert run.returncode == 0 and not planted.is_symlink()
    os.unlink(tmp_path / "modele.xlsx")
    assert cli("template", "activite", str(tmp_path / "modele.xlsx")).returncode == 0
    again = cli("template", "activite", str(tmp_path / "modele.xlsx"))
    assert again.returncode == 1 and "existe déjà" in again.stderr
    assert cli("template", "activite", str(tmp_path / "modele.xlsx"), "--force").returncode == 0
