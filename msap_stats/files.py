"""Files the project writes (a pack, a report, a template, an audit extract): never through a link planted at
their name, never half-written, never over an existing file unless asked.

Each is written to a new temporary file of its own directory (created exclusively, not following links), then
renamed into place: a symbolic link at the target's name is replaced, never followed; the directory itself must
not be a link.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class WriteRefused(Exception):
    """A file the project will not write, told in French."""


def _directory(folder: Path) -> Path:
    if folder.is_symlink():
        raise WriteRefused(f"« {folder} » est un lien symbolique : rien n'est écrit à travers un lien ; donnez le "
                           "dossier lui-même.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefused(f"Le dossier « {folder} » ne peut pas être créé : {exc.strerror}.") from None
    if not folder.is_dir():
        raise WriteRefused(f"« {folder} » n'est pas un dossier.")
    return folder


def check_target(path: Path, force: bool = False) -> None:
    """Refuse an existing file (or link) at ``path`` unless ``force``."""
    if path.is_symlink():
        if not force:
            raise WriteRefused(f"« {path} » est un lien symbolique : il n'est pas suivi ; supprimez-le, ou relancez "
                               "avec --force pour le remplacer par le fichier.")
    elif path.exists() and not force:
        raise WriteRefused(f"« {path} » existe déjà : il n'est pas remplacé ; choisissez un autre nom, ou relancez "
                           "avec --force.")
    if path.is_dir() and not path.is_symlink():
        raise WriteRefused(f"« {path} » est un dossier.")


def write(path: str | Path, data: bytes, force: bool = False) -> Path:
    """``data`` written whole at ``path`` (see the module); an existing file is replaced only with ``force``."""
    path = Path(path)
    folder = _directory(path.parent)
    check_target(path, force)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".msap-", suffix=".part")  # O_CREAT | O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # renames over a link's entry: the link is replaced, its target untouched
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise WriteRefused(f"« {path} » n'a pas pu être écrit : {exc.strerror}.") from None
    return path
