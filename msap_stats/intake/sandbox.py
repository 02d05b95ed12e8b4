"""A user's workbook or JSON is parsed in a child process with its own limits, never in the server.

The spreadsheet parser (calamine, in Rust) aborts the whole process when an allocation fails, and panics on some
corrupt files: a 2 KB workbook declaring a cell at XFD1048576 would stop the dashboard for every user. Here the
parsing runs in one of a small pool of reading processes (started ahead, the parser loaded, so that a file does not
wait for one; a process that fails, or has read a large file, is replaced), limited in address space, CPU time per
file and wall time. Whatever happens to it (a refusal, an abort, a panic, a limit
reached, a hang), the server gets an answer: the parsed result, or a French refusal naming the cause.

The file and the result go through a private temporary folder, in memory when there is room (``MEMORY_FOLDER``);
the result's Arrow tables are files of the Arrow IPC format, mapped in memory by the server.
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..errors import ImportRefused, refuse

MEMORY_MB = int(os.environ.get("MSAP_READ_MEMORY_MB", "6144"))  # address space of the reading process
CPU_SECONDS = int(os.environ.get("MSAP_READ_CPU_SECONDS", "240"))
WALL_SECONDS = float(os.environ.get("MSAP_READ_WALL_SECONDS", "300"))
PRELOAD = ["msap_stats.intake.reader"]

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
# Reading processes kept waiting between files: a server keeps one ahead of the next upload; a command that reads one
# file (``prestart``) starts its own at once and none after it.
POOL = int(os.environ.get("MSAP_READ_POOL", "2"))
# The folders a file and its result go through are made in memory (a tmpfs) when it has room for twice the largest
# result a reading process can make (its address space); else in the system's temporary folder. A million-row
# result (100 MB of Arrow) is written there in 0.04 s, against 0.22 s on this machine's disk (ext4 allocating its
# blocks). A result that finds the memory folder full after all is read again on disk.
MEMORY_FOLDER = os.environ.get("MSAP_READ_MEMORY_FOLDER", "/dev/shm")
NO_ROOM = 71  # the reading process's exit when its result could not be written (its folder full)
RECYCLE_BYTES = 20 * 2**20  # after a file this large, its process ends rather than wait for another
_idle: list[subprocess.Popen] = []  # processes started ahead, the parser loaded, waiting for a file
_ending: list[subprocess.Popen] = []  # processes told to end, collected later
_lock = threading.Lock()


def _start() -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(PROJECT_DIR), os.environ.get("PYTHONPATH"))
                                                        if p))
    return subprocess.Popen([sys.executable, "-m", "msap_stats.intake.sandbox"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True, env=env,
                            cwd=str(PROJECT_DIR))


def _take() -> subprocess.Popen:
    """A waiting process (started now if none is), and one more started ahead for the next file."""
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.poll() is None:
                break
        else:
            worker = _start()
        if not _idle and POOL:
            _idle.append(_start())
    return worker


ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .ods
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls


def looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def parsed_apart(head: bytes) -> bool:
    """Whether a file starting with ``head`` is parsed in a reading process (a workbook or a JSON), not a CSV."""
    return head.startswith((ZIP_MAGIC, OLE_MAGIC)) or looks_like_json(head)


def reads_a_workbook(argv: list[str]) -> bool:
    """Whether a command line imports or inspects a file that a reading process parses (a workbook or a JSON)."""
    if argv[:1] not in (["import"], ["inspect"]):
        return False
    for arg in argv[1:]:
        try:
            fd = os.open(arg, os.O_RDONLY | os.O_NONBLOCK)
        except (OSError, ValueError):
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return False
            head = os.read(fd, 64)
        finally:
            os.close(fd)
        return parsed_apart(head)
    return False


def prestart() -> None:
    """For a command that reads one workbook: its reading process started now, while the command loads itself (the
    two start on two cores), and none kept ahead after it."""
    global POOL
    POOL = 0
    with _lock:
        if not _idle:
            _idle.append(_start())


def _give_back(worker: subprocess.Popen, recycle: bool) -> None:
    """A process that has answered: kept waiting for the next file, or told to end. Its end is not waited for here
    (its exit, tens of milliseconds, would delay the file it has just read): it is collected later."""
    with _lock:
        if not recycle and worker.poll() is None and len(_idle) < POOL:
            _idle.append(worker)
            return
        _ending[:] = [w for w in _ending if w.poll() is None]  # those already ended, collected
        _ending.append(worker)
    _close(worker)


def _close(worker: subprocess.Popen) -> None:
    """Tell a waiting process to end (its input closed, it leaves its loop)."""
    try:
        worker.stdin.close()
    except OSError:
        pass


def _end(worker: subprocess.Popen) -> None:
    _close(worker)
    try:
        worker.wait(2)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(5)


@atexit.register
def _shutdown() -> None:
    """The processes waiting or ending, ended with the server or the command (and waited for: their time and memory
    are counted in the command's own)."""
    with _lock:
        waiting = [*_idle, *_ending]
        _idle.clear()
        _ending.clear()
    for worker in waiting:
        _end(worker)


class _ArrowPickler(pickle.Pickler):
    """Arrow tables written beside the pickle, as files the reader maps."""

    def __init__(self, file, folder: str):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.folder, self.count = folder, 0

    def persistent_id(self, obj):
        import pyarrow as pa

        if isinstance(obj, pa.Table):
            self.count += 1
            path = os.path.join(self.folder, f"t{self.count}.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, obj.schema) as writer:
                writer.write_table(obj)
            return ("arrow", path)
        return None


class _ArrowUnpickler(pickle.Unpickler):
    def persistent_load(self, pid):
        kind, path = pid
        if kind != "arrow" or Path(path).parent != Path(self.folder):
            raise pickle.UnpicklingError("référence inattendue")
        import pyarrow as pa

        return pa.ipc.open_file(pa.memory_map(path)).read_all()  # the mapping outlives the folder

    def __init__(self, file, folder: str):
        super().__init__(file)
        self.folder = folder


def main() -> None:
    """The reading process: limits first, the parser loaded, then files one after the other, each told by the
    folder it is in and answered by a line; its CPU limit counts from each file's start."""
    limit = MEMORY_MB * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    answer = os.fdopen(os.dup(1), "w")  # the line answering each file; whatever a library prints goes nowhere
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    for module in PRELOAD:
        importlib.import_module(module)
    for line in sys.stdin:
        folder = line.strip()
        if not folder:
            return
        used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime)
        resource.setrlimit(resource.RLIMIT_CPU, (used + CPU_SECONDS, resource.RLIM_INFINITY))
        _one(folder)
        answer.write("fait\n")
        answer.flush()


def _one(folder: str) -> None:
    try:
        with open(os.path.join(folder, "job.pickle"), "rb") as f:
            target, args = pickle.load(f)
        with open(os.path.join(folder, "data"), "rb") as f:
            data = f.read()
        module, name = target.split(":")
        result = ("ok", getattr(importlib.import_module(module), name)(data, *args))
    except ImportRefused as exc:
        result = ("refused", exc)
    except MemoryError:
        result = ("memory", None)
    except RecursionError:
        result = ("depth", None)
    except BaseException as exc:  # noqa: BLE001 — a Rust panic is a BaseException: said, never raised here
        result = ("error", type(exc).__name__)
    try:
        with open(os.path.join(folder, "result.part"), "wb") as f:
            _ArrowPickler(f, folder).dump(result)
        os.replace(os.path.join(folder, "result.part"), os.path.join(folder, "result.pickle"))
    except MemoryError:
        os._exit(70)
    except OSError:  # its folder full: the caller reads the file again elsewhere, or says so
        os._exit(NO_ROOM)
    finally:
        result = None  # the file's tables freed before the next one


class Reading:
    """A file handed to a reading process (``start``): its answer waited for by ``result``, or the reading ended at
    once by ``cancel`` (the file was refused meanwhile). Between the two, the caller works on: the process parses on
    a core of its own."""

    def __init__(self, target: str, data: bytes, args: tuple, fichier: str | None, root: str | None):
        self.fichier, self.size, self.root = fichier, len(data), root
        self._job = (target, data, args) if root else None  # read again on disk if the memory folder fills up
        self._folder = tempfile.TemporaryDirectory(prefix="msap-lecture-", dir=root)
        try:
            folder = self._folder.name
            with open(os.path.join(folder, "data"), "wb") as f:
                f.write(data)
            with open(os.path.join(folder, "job.pickle"), "wb") as f:
                pickle.dump((target, args), f)
            self.worker = _take()
        except BaseException:
            self._folder.cleanup()
            raise
        try:
            self.worker.stdin.write(folder.encode() + b"\n")
            self.worker.stdin.flush()
            self._given = True
        except OSError:  # the process ended before it was given the file
            self._given = False

    def result(self):
        """The parsed result, or its refusal, or a French refusal saying why the process did not answer."""
        with self._folder as folder:
            try:
                status, value = self._answer(folder)
            except _NoRoom:
                status = None  # its folder left first: its room freed
        if status is None:
            if self._job is None:
                raise refuse(_no_room(), self.fichier)
            target, data, args = self._job
            return Reading(target, data, args, self.fichier, None).result()
        if status == "ok":
            return value
        if status == "refused":
            value.fichier = value.fichier or self.fichier
            raise value
        raise refuse({"memory": _memory(), "depth": "le fichier est imbriqué trop profondément (des milliers de "
                      "niveaux) pour un fichier de données ; il est refusé."}.get(status, _broken()), self.fichier)

    def _answer(self, folder: str):
        worker, answered = self.worker, False
        if self._given:
            try:
                ready, _, _ = select.select([worker.stdout], [], [], WALL_SECONDS)
                if not ready:
                    worker.kill()
                    worker.wait(10)
                    raise refuse(f"la lecture du fichier a dépassé {WALL_SECONDS:.0f} secondes : il est trop lourd ou "
                                 "construit pour ne jamais finir ; il est refusé. Réenregistrez-le depuis le tableur, "
                                 "ou exportez-le en CSV.", self.fichier)
                answered = worker.stdout.readline() == b"fait\n"
            except OSError:
                pass
        answer = os.path.join(folder, "result.pickle")
        if not answered or not os.path.exists(answer):
            try:
                code = worker.wait(5)  # it ended: its exit says why
            except subprocess.TimeoutExpired:
                worker.kill()
                code = worker.wait(5)
            if code == NO_ROOM:
                raise _NoRoom
            raise refuse(_death(code), self.fichier)
        _give_back(worker, recycle=self.size > RECYCLE_BYTES)
        with open(answer, "rb") as f:
            return _ArrowUnpickler(f, folder).load()

    def cancel(self) -> None:
        """The reading ended unanswered: its process killed (never given another file), its folder removed."""
        self.worker.kill()
        self.worker.wait(10)
        self._folder.cleanup()


class _NoRoom(Exception):
    """The reading process could not write its result: its folder is full."""


def _memory_folder() -> str | None:
    """``MEMORY_FOLDER`` when it has room for twice the largest result a reading process can make."""
    try:
        room = shutil.disk_usage(MEMORY_FOLDER).free
    except OSError:
        return None
    return MEMORY_FOLDER if room >= 2 * MEMORY_MB * 2**20 and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK) else None


def start(target: str, data: bytes, *args, fichier: str | None = None) -> Reading:
    """``module:function(data, *args)`` handed to a limited process, which parses while the caller goes on."""
    root = _memory_folder()
    if root:
        try:
            return Reading(target, data, args, fichier, root)
        except OSError:  # the memory folder full: the disk's
            pass
    return Reading(target, data, args, fichier, None)


def run(target: str, data: bytes, *args, fichier: str | None = None):
    """``module:function(data, *args)`` in a limited process: its result, or its refusal, or a French refusal
    saying why the process did not answer."""
    return start(target, data, *args, fichier=fichier).result()


def _memory() -> str:
    return (f"la lecture du fichier a dépassé la mémoire permise ({MEMORY_MB // 1024} Go) : il déclare sans doute des "
            "dimensions démesurées (une cellule très loin de la première, des milliards de lignes ou de textes) ; il "
            "est refusé. Réenregistrez-le depuis le tableur (ou exportez-le en CSV) après avoir vérifié sa dernière "
            "cellule.")


def _no_room() -> str:
    return ("le dossier temporaire de ce serveur est plein : le fichier n'a pas pu y être lu, et rien n'a été écrit. "
            "Le fichier n'est pas en cause ; réessayez dans un moment, ou prévenez l'administrateur du tableau de bord.")


def _broken() -> str:
    return ("le classeur n'a pas pu être lu : il est endommagé ou construit de façon anormale ; il est refusé. "
            "Réenregistrez-le depuis le tableur, ou exportez-le en CSV.")


def _death(code: int | None) -> str:
    """Why the child ended without an answer, from its exit."""
    if code is not None and code < 0:
        sig = -code
        if sig == signal.SIGXCPU:
            return (f"la lecture du fichier a dépassé {CPU_SECONDS} secondes de calcul : il est trop lourd ou "
                    "construit pour ne jamais finir ; il est refusé. Exportez-le en CSV.")
        if sig in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
            return _memory() if sig in (signal.SIGABRT, signal.SIGKILL) else _broken()
    if code == 70:
        return _memory()
    return _broken()


if __name__ == "__main__":
    main()
