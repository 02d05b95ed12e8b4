"""Several dashboard processes on one store, behind nginx (python -m msap_stats.serve, make serve PROCESSUS=N).

    python -m msap_stats.serve [--processus N] [--port 8080] [--adresse 127.0.0.1] [--db CHEMIN]
                               [--secrets FICHIER] [--dossier DOSSIER] [--premier-port 8601]

One Streamlit process answers one person at a time per core: N processes share the cores. Each runs dashboard.py
on 127.0.0.1 (ports 8601…), all on the same store (a write by one is seen by the others at their next run) and
the same secrets (the login's cookie secret: a person stays logged in whichever process serves them). nginx
(Debian's package) is started in front, with the configuration written from deploy/nginx.conf.template: sticky
sessions by a route cookie, the websocket upgrade, the upload size, the timeouts. This command then watches them:
a process that ends, or stops answering its health check (/_stcore/health), is started again on its port, and
its people's pages reconnect (to it once it answers, to another one meanwhile); nginx is started again if it
ends. Ctrl-C (or SIGTERM) stops everything.
"""

from __future__ import annotations

import argparse
import os
import pwd
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_DIR / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
UPLOAD_MB = 201  # Streamlit's server.maxUploadSize (200 MB) and its multipart form's margin
HEALTH_EVERY = 2.0  # seconds between two rounds of health checks
HEALTH_FAILURES = 3  # checks in a row without an answer before a process is replaced
STARTUP_GRACE = 60.0  # seconds a new process has to answer its first health check


def nginx_config(ports: list[int], address: str, port: int, run: Path) -> str:
    """The nginx configuration for these processes, from the repository's template."""
    user = ""
    if os.geteuid() == 0:  # nginx started by root runs its workers as an unprivileged user
        user = "user nobody nogroup;" if _has_group("nogroup") else "user nobody;"
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in ports)
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in (("USER", user), ("RUN", str(run)), ("SERVERS", servers), ("ADDRESS", address),
                        ("PORT", str(port)), ("UPLOAD_MB", str(UPLOAD_MB))):
        text = text.replace(f"@@{name}@@", value)
    return text


def _has_group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


def warm_up(url: str) -> threading.Thread:
    """A process's first script run asked for at once, in the background (Streamlit's script health check runs the
    app in a session of its own): the modules loaded and the pages' first visits computed (``connection.warm_up``)
    before the first person comes."""
    def ask() -> None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=300) as r:
                r.read()
        except OSError:  # the process will be warmed by its first visitor instead
            pass

    thread = threading.Thread(target=ask, name=f"msap-echauffement-{url}", daemon=True)
    thread.start()
    return thread


@dataclass
class Process:
    """One Streamlit process of the deployment, on its own port."""

    port: int
    proc: subprocess.Popen | None = None
    started: float = 0.0
    failures: int = 0
    answered: bool = False
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Deployment:
    """N Streamlit processes and nginx, started, watched and stopped together."""

    processes: int = 2
    port: int = 8080
    address: str = "127.0.0.1"
    db: Path | None = None
    secrets: Path | None = None
    run: Path | None = None
    first_port: int = 8601
    members: list[Process] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in ("0.0.0.0", "") else self.address
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 90.0) -> Deployment:
        self.run = Path(self.run or tempfile.mkdtemp(prefix="msap-serve-"))
        self.run.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run, 0o755)
        self.members = [Process(self.first_port + i) for i in range(self.processes)]
        for member in self.members:
            self._start(member)
        conf = self.run / "nginx.conf"
        conf.write_text(nginx_config([m.port for m in self.members], self.address, self.port, self.run),
                        encoding="utf-8")
        for folder in ("corps", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run / folder).mkdir(exist_ok=True)
            if os.geteuid() == 0:
                os.chown(self.run / folder, pwd.getpwnam("nobody").pw_uid, -1)
        self._start_nginx()
        deadline = time.monotonic() + timeout
        while not all(healthy(m.url, 2) for m in self.members) or not healthy(self.url, 2):
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"le déploiement n'a pas démarré en {timeout:.0f} s : voir {self.run}")
            for member in self.members:  # a process that fails at once fails the start
                if member.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"le processus du port {member.port} s'est arrêté au démarrage : "
                                       f"{self.log(member)}")
            time.sleep(0.3)
        for member in self.members:
            member.answered = True
            warm_up(member.url)
        return self

    def log(self, member: Process) -> Path:
        return self.run / f"streamlit-{member.port}.log"

    def _start(self, member: Process) -> None:
        env = {**os.environ}
        if self.db:
            env["MSAP_DB"] = str(self.db)
        args = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(member.port),
                "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--server.enableXsrfProtection", "true", "--server.scriptHealthCheckEnabled", "true"]
        if self.secrets:
            args += ["--secrets.files", str(self.secrets)]
        log = open(self.log(member), "a")
        member.proc = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        log.close()
        member.started, member.failures, member.answered = time.monotonic(), 0, False

    def _start_nginx(self) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError("nginx est nécessaire (paquet Debian « nginx-light ») : « make serve » l'installe "
                               "quand il le peut, sinon « sudo apt-get install nginx-light ».")
        check = subprocess.run([NGINX, "-t", "-q", "-p", str(self.run), "-c", str(self.run / "nginx.conf")],
                               capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"configuration nginx refusée : {check.stderr.strip()}")
        self.nginx = subprocess.Popen([NGINX, "-p", str(self.run), "-c", str(self.run / "nginx.conf"),
                                       "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)

    def check(self) -> list[str]:
        """One round of the watch: every process that ended or stopped answering is started again, nginx too; what
        was done, in French."""
        done = []
        for member in self.members:
            ended = member.proc.poll() is not None
            if not ended:
                if healthy(member.url, 5):
                    if not member.answered:  # started again: warmed up as at the start
                        warm_up(member.url)
                    member.failures, member.answered = 0, True
                    continue
                member.failures += 1
                young = not member.answered and time.monotonic() - member.started < STARTUP_GRACE
                if young or member.failures < HEALTH_FAILURES:
                    continue
                _end(member.proc)
            member.restarts += 1
            self._start(member)
            done.append(f"processus du port {member.port} " + ("arrêté" if ended else "sans réponse") +
                        " : relancé")
        if self.nginx is not None and self.nginx.poll() is not None:
            self._start_nginx()
            done.append("nginx arrêté : relancé")
        return done

    def watch(self, stop=lambda: False) -> None:
        while not stop():
            for line in self.check():
                print(time.strftime("%H:%M:%S"), line, flush=True)
            time.sleep(HEALTH_EVERY)

    def pids(self) -> list[int]:
        return [m.proc.pid for m in self.members if m.proc is not None and m.proc.poll() is None]

    def stop(self) -> None:
        if self.nginx is not None:
            _end(self.nginx)
        for member in self.members:
            if member.proc is not None:
                _end(member.proc)

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m msap_stats.serve", description=__doc__.split("\n")[0])
    ap.add_argument("--processus", type=int, default=2, help="processus Streamlit (un par cœur, en général)")
    ap.add_argument("--port", type=int, default=8080, help="port de nginx")
    ap.add_argument("--adresse", default="127.0.0.1", help="adresse d'écoute de nginx (0.0.0.0 : toutes)")
    ap.add_argument("--db", type=Path, help="la base (par défaut $MSAP_DB ou data/msap.duckdb)")
    ap.add_argument("--secrets", type=Path, help="secrets.toml partagé par les processus (section [auth])")
    ap.add_argument("--dossier", type=Path, help="dossier de la configuration et des journaux (temporaire sinon)")
    ap.add_argument("--premier-port", type=int, default=8601, help="port du premier processus Streamlit")
    args = ap.parse_args(argv)
    if args.processus < 1:
        ap.error("il faut au moins un processus")
    deployment = Deployment(args.processus, args.port, args.adresse, args.db, args.secrets, args.dossier,
                            args.premier_port)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        deployment.start()
        print(f"{args.processus} processus derrière nginx : {deployment.url} (configuration et journaux : "
              f"{deployment.run}). Ctrl-C pour arrêter.", flush=True)
        deployment.watch(lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    finally:
        deployment.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
