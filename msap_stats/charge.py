"""Many people at once, measured without browsers (python -m msap_stats.charge; make charge).

    python -m msap_stats.charge [--utilisateurs 20] [--processus 2] [--duree 60] [--pause 2] [--importeurs 2]
                                [--db CHEMIN] [--repeat K] [--json FICHIER]
    python -m msap_stats.charge --url URL --secrets secrets.toml [...]   # a deployment already running

Simulated users speak Streamlit's own protocol, as a browser does but without drawing: each opens a session on
the websocket (/_stcore/stream) with its XSRF token, the login cookie of its role signed with the deployment's
cookie secret, and the route cookie nginx gives it; runs the pages of its role by their script, the first one with
filters in the query string (a shared link), changes the région as a reader does, waits for each script's end, and
pauses in between. A few coordinators import a file through the import page: upload, inspection, confirmation.

Measured per page: the server's time from the rerun request to the script's end (median and 95th percentile),
pages per second, errors (an exception or an error box on a page, a session refused or cut, a script that never
ends), and the memory of each process and per session. By default the command starts the deployment itself
(``serve``: N processes behind nginx, on a copy of the demonstration store, with a login configured) so that it
knows the processes it measures; each figure is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ISSUER = "https://connexion.charge.invalid"  # the simulated users' identity provider (no request reaches it)
FIGURE_PAGES = ("", "motifs", "satisfaction", "regards-croises", "activite", "territoires", "reseau", "evolution")
PAGES = {"lecteur": (*FIGURE_PAGES, "exporter"), "coordinateur": (*FIGURE_PAGES, "exporter", "importer"),
         "admin": (*FIGURE_PAGES, "exporter", "importer", "administration")}
LINKS = ("", "region=76", "region=53&format=fixe", "departement=48", "debut=2016-03&fin=2016-06", "region=84")
REGIONS = ("Bretagne", "Occitanie", "Normandie", "Grand Est", "Hauts-de-France", "Corse", "Centre-Val de Loire",
           "Nouvelle-Aquitaine", "Pays de la Loire", "Bourgogne-Franche-Comté", "Auvergne-Rhône-Alpes")
RUN_TIMEOUT = 120.0
IMPORT_KIND = "Activité (demandes traitées)"


# --- Who ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    email: str
    role: str
    regions: tuple[str, ...] = ()
    imports: bool = False

    @property
    def sub(self) -> str:
        return self.email


def crowd(users: int, importers: int) -> list[Person]:
    """``users`` people of the three roles (mostly readers, as a national deployment has), every role present
    from three users on; ``importers`` of the coordinators and administrators import a file."""
    roles = ["admin", "coordinateur"] + ["lecteur"] * max(users - 2, 0)
    for i in range(2, users):  # one in five coordinates a région, one in ten administers
        roles[i] = "coordinateur" if i % 5 == 0 else "admin" if i % 10 == 1 else "lecteur"
    people, writers = [], 0
    for i, role in enumerate(roles[:users]):
        imports = role != "lecteur" and writers < importers
        writers += imports
        people.append(Person(f"charge{i:03d}@{role}.charge.invalid", role, ("76",) if role == "coordinateur" else (),
                             imports))
    return people


def register(db: Path, people: list[Person]) -> None:
    """The people's roles and their login accounts in the store, in one write (as an administrator would grant them,
    and as their first login would link them)."""
    from .access import roles, users
    from .store import writing

    admin = users.User("charge@charge.invalid", "admin")
    with writing(db) as con:
        for p in people:
            roles.grant(con, admin, p.email, p.role, p.regions)
            roles.record_login(con, users.Login(ISSUER, p.sub, p.email, bind=True))


def login_cookie(secret: str, origin: str, person: Person) -> str:
    """The login cookie ``st.login`` sets after the provider's answer, signed with the deployment's secret."""
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    claims = {"origin": origin, "is_logged_in": True, "iss": ISSUER, "sub": person.sub, "email": person.email,
              "email_verified": True, "name": person.email}
    return create_signed_value(secret, USER_COOKIE_NAME, json.dumps(claims)).decode()


def cookie_secret(secrets_file: Path) -> str:
    import tomllib

    return tomllib.loads(secrets_file.read_text(encoding="utf-8"))["auth"]["cookie_secret"]


def write_secrets(path: Path, url: str, metadata: str = f"{ISSUER}/.well-known/openid-configuration") -> Path:
    """A login configuration for a measured deployment: its cookie secret signs the simulated users' cookies (the
    provider at ``metadata`` is never asked for them: they arrive logged in)."""
    path.write_text(f'[auth]\nredirect_uri = "{url}/oauth2callback"\ncookie_secret = "{secrets.token_hex(24)}"\n'
                    f'client_id = "msap-stats"\nclient_secret = "charge"\nserver_metadata_url = "{metadata}"\n',
                    encoding="utf-8")
    return path


# --- One session, as the browser speaks to the server ---------------------------------------------

@dataclass
class Run:
    page: str
    action: str  # "page", "filtre", "import"
    seconds: float
    faults: list[str] = field(default_factory=list)
    processus: str | None = None


class Session:
    """One person's page in Streamlit's protocol: a websocket, protobuf messages both ways."""

    def __init__(self, url: str, cookies: dict[str, str] | None = None):
        from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

        self.url = url.rstrip("/")
        self.xsrf = generate_xsrf_token_string()
        self.cookies = {"_streamlit_xsrf": self.xsrf, **(cookies or {})}
        self.ws = None
        self.session_id = ""
        self.processus: str | None = None  # the process nginx chose (its X-Msap-Processus header)
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, tuple[str, str]] = {}  # label -> (widget type, id), as this run drew them
        self.options: dict[str, list[str]] = {}  # label -> the options of a choice, as this run wrote them
        self.texts: list[str] = []  # the markdown, alerts and HTML of this run
        self.faults: list[str] = []
        self.states: dict[str, object] = {}  # widget id -> value sent (kept for the next runs)
        self._finished: asyncio.Queue = asyncio.Queue()
        self._responses: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def open(self) -> None:
        import websockets

        stream = self.url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        self.ws = await websockets.connect(stream, subprotocols=["streamlit", self.xsrf], max_size=None,
                                           additional_headers={"Cookie": self._cookie_header(), "Origin": self.url},
                                           open_timeout=30, ping_interval=None)
        headers = self.ws.response.headers
        self.processus = headers.get("X-Msap-Processus")
        for value in headers.get_all("Set-Cookie"):
            name, _, rest = value.partition("=")
            if name.strip() == "msap_route":  # the proxy's route: the uploads must reach this session's process
                self.cookies["msap_route"] = rest.split(";", 1)[0]
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    self.session_id = msg.new_session.initialize.session_id or self.session_id
                elif kind == "navigation":
                    self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    self._element(msg.delta.new_element)
                elif kind == "file_urls_response":
                    waiting = self._responses.pop(msg.file_urls_response.response_id, None)
                    if waiting and not waiting.done():
                        waiting.set_result(msg.file_urls_response)
                elif kind == "script_finished":
                    await self._finished.put(msg.script_finished)
        except Exception as exc:  # the connection cut: every waiting run is told
            await self._finished.put(exc)
        else:
            await self._finished.put(ConnectionError("session fermée par le serveur"))

    def _element(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.faults.append(f"exception : {element.exception.message[:200]}")
        elif kind == "alert":
            self.texts.append(element.alert.body)
            if element.alert.format == 1:  # ERROR
                self.faults.append(f"erreur : {element.alert.body[:200]}")
        elif kind in ("markdown", "html"):
            self.texts.append(getattr(element, kind).body)
        elif kind in ("multiselect", "selectbox", "button", "file_uploader", "checkbox", "radio"):
            widget = getattr(element, kind)
            self.widgets[widget.label] = (kind, widget.id)
            if kind in ("selectbox", "radio", "multiselect"):
                self.options[widget.label] = list(widget.options)

    async def run(self, page: str, query: str = "", states=(), action: str = "page") -> Run:
        """The page's script run on the server, from the request to its end (an early end for a rerun the script
        asked for is not the end)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.widgets, self.options, self.texts, self.faults = {}, {}, [], []
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = query
        client.page_name = page
        client.page_script_hash = self.pages.get(page, "")
        client.context_info.url = f"{self.url}/{page}" + (f"?{query}" if query else "")
        client.context_info.timezone = "Europe/Paris"
        client.context_info.locale = "fr-FR"
        for state in states:
            self.states[state.id] = state
        client.widget_states.widgets.extend(self.states.values())
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        for state in states:  # a button's click counts once (a chosen value, or a file dropped, stays)
            if state.WhichOneof("value") == "trigger_value":
                self.states.pop(state.id, None)
        while True:
            try:
                status = await asyncio.wait_for(self._finished.get(), RUN_TIMEOUT)
            except TimeoutError:
                return Run(page, action, time.perf_counter() - start, [f"le script n'a pas fini en {RUN_TIMEOUT:.0f} s"],
                           self.processus)
            if isinstance(status, Exception):
                return Run(page, action, time.perf_counter() - start, [f"session coupée : {status}"], self.processus)
            if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                faults = list(self.faults) + (["erreur de compilation"] if status else [])
                return Run(page, action, time.perf_counter() - start, faults, self.processus)

    def state(self, label: str, **value):
        """A widget's new value, found by its label as this run drew it."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        found = next(((k, i) for lab, (k, i) in self.widgets.items() if lab.startswith(label)), None)
        if found is None:
            return None
        state = WidgetState(id=found[1])
        for name, v in value.items():
            if name == "string_array_value":
                state.string_array_value.data.extend(v)
            else:
                setattr(state, name, v)
        return state

    async def upload(self, label: str, path: Path):
        """A file given to the uploader labelled ``label``: its address asked for, the file sent to this session's
        process, the uploader's new state (None if the page has no such uploader)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget = next((i for lab, (k, i) in self.widgets.items() if lab.startswith(label) and k == "file_uploader"),
                      None)
        if widget is None:
            return None
        request = uuid.uuid4().hex
        self._responses[request] = asyncio.get_running_loop().create_future()
        msg = BackMsg()
        msg.file_urls_request.request_id = request
        msg.file_urls_request.file_names.append(path.name)
        msg.file_urls_request.session_id = self.session_id
        await self.ws.send(msg.SerializeToString())
        response = await asyncio.wait_for(self._responses[request], 30)
        urls = response.file_urls[0]
        data = path.read_bytes()
        await asyncio.to_thread(self._put, urls.upload_url, path.name, data)
        state = WidgetState(id=widget)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, path.name, len(data)
        info.file_urls.CopyFrom(urls)
        return state

    def _put(self, address: str, name: str, data: bytes) -> None:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        target = address if address.startswith("http") else f"{self.url}{address}"
        request = urllib.request.Request(target, data=body, method="PUT", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": self.xsrf,
            "Cookie": self._cookie_header(), "Origin": self.url})
        with urllib.request.urlopen(request, timeout=60) as r:
            r.read()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


# --- A person's visit -----------------------------------------------------------------------------

async def visit(url: str, person: Person, secret: str | None, until: float, pause: float, file: Path | None,
                runs: list[Run], rng: random.Random) -> None:
    """A person going through the pages of their role until ``until``: the first with a shared link's filters,
    then a région chosen now and then, a pause between two pages; an importer imports ``file`` once."""
    cookies = {"_streamlit_user": login_cookie(secret, url, person)} if secret else {}
    session = Session(url, cookies)
    try:
        await session.open()
    except Exception as exc:  # refused: counted as an error of the first page
        runs.append(Run(PAGES[person.role][0], "page", 0.0, [f"session refusée : {exc}"]))
        return
    pages = PAGES[person.role]
    order = rng.sample(pages, len(pages))
    imported = not (person.imports and file)
    try:
        for step in range(10_000):
            if time.monotonic() >= until:
                break
            page = order[step % len(order)]
            run = await session.run(page, rng.choice(LINKS) if step == 0 else "")
            runs.append(run)
            if any(f.startswith("session coupée") for f in run.faults):  # reconnect, as the browser does
                await session.close()
                session = Session(url, cookies)
                await session.open()
            elif page in FIGURE_PAGES and rng.random() < 0.3 and "Région" in session.widgets:
                choice = session.state("Région", string_array_value=[rng.choice(REGIONS)])
                runs.append(await session.run(page, states=[choice], action="filtre"))
            elif page == "importer" and not imported:
                runs.append(await _import(session, file))
                imported = True
            await asyncio.sleep(pause * rng.uniform(0.5, 1.5))
    finally:
        await session.close()


async def _import(session: Session, file: Path) -> Run:
    """The import page's three steps: the kind chosen, the file dropped (its inspection shown), the import
    confirmed; timed from the drop to the confirmation's end."""
    start = time.perf_counter()
    faults: list[str] = []
    kind = session.state("Type de fichier", string_value=IMPORT_KIND)
    if kind is not None:
        await session.run("importer", states=[kind])
    dropped = await session.upload("Déposez", file)
    if dropped is None:
        return Run("importer", "import", time.perf_counter() - start, ["pas de zone de dépôt sur la page"])
    inspected = await session.run("importer", states=[dropped])
    faults += inspected.faults
    go = next((label for label in session.widgets if label.startswith("Importer ")), None)
    if go is None:
        faults.append("l'inspection ne propose pas d'importer : " + " | ".join(t[:120] for t in session.texts[-3:]))
        return Run("importer", "import", time.perf_counter() - start, faults, session.processus)
    confirmed = await session.run("importer", states=[session.state(go, trigger_value=True)])
    faults += confirmed.faults
    if not any("Import n°" in t for t in session.texts):
        faults.append("import non confirmé : " + " | ".join(t[:120] for t in session.texts[-3:]))
    return Run("importer", "import", time.perf_counter() - start, faults, session.processus)


def import_file(folder: Path, db: Path, index: int) -> Path:
    """A small activity file of Maisons of Occitanie (the coordinators' région), for a month no other file holds."""
    from .store import reader

    con = reader(db)
    try:
        ids = [r[0] for r in con.execute("SELECT id_maison FROM maisons_v WHERE code_region = '76' ORDER BY 1 "
                                         "LIMIT 40").fetchall()]
    finally:
        con.close()
    month = f"{2015 - index // 12}-{index % 12 + 1:02d}"  # before the demonstration's months
    lines = ["id_maison;mois;thematique;nb"] + [f"{i};{month};emploi;{1 + n % 5}" for n, i in enumerate(ids)]
    path = folder / f"activite_charge_{index}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- A measured run --------------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def summary(runs: list[Run], seconds: float) -> dict:
    """Per page and action: runs, median and 95th percentile of the server's time, errors; and over all."""
    out: dict = {"pages": {}, "pages_par_seconde": 0.0, "erreurs": 0, "exemples_erreurs": []}
    groups: dict[str, list[Run]] = {}
    for r in runs:
        groups.setdefault(f"{r.page or 'accueil'} ({r.action})" if r.action != "page" else (r.page or "accueil"),
                          []).append(r)
    for name, rs in sorted(groups.items()):
        times = [r.seconds for r in rs if not r.faults]
        out["pages"][name] = {"n": len(rs), "p50": quantile(times, 0.5), "p95": quantile(times, 0.95),
                              "erreurs": sum(bool(r.faults) for r in rs)}
    done = [r for r in runs if not r.faults]
    times = [r.seconds for r in done if r.action != "import"]
    out.update(n=len(runs), p50=quantile(times, 0.5), p95=quantile(times, 0.95),
               pages_par_seconde=len(done) / seconds if seconds else 0.0, erreurs=sum(bool(r.faults) for r in runs),
               exemples_erreurs=[f"{r.page or 'accueil'} : {r.faults[0]}" for r in runs if r.faults][:10])
    return out


async def _crowd(url: str, people: list[Person], secret: str | None, seconds: float, pause: float,
                 files: list[Path], seed: int) -> list[Run]:
    runs: list[Run] = []
    until = time.monotonic() + seconds
    files = iter(files)
    visits = []
    for i, person in enumerate(people):
        visits.append(visit(url, person, secret, until, pause, next(files, None) if person.imports else None, runs,
                            random.Random(seed * 1000 + i)))
    await asyncio.gather(*visits)
    return runs


def measure(url: str, people: list[Person], secret: str | None, seconds: float, pause: float, files: list[Path],
            pids: list[int] = (), seed: int = 0) -> dict:
    """One load: every person's visit for ``seconds``; the processes' memory before, during (its peak, read every
    half second) and after."""
    before = [rss_mb(p) for p in pids]
    peak = list(before)
    stop = False

    async def sample():
        while not stop:
            for i, p in enumerate(pids):
                peak[i] = max(peak[i], rss_mb(p))
            await asyncio.sleep(0.5)

    async def main():
        nonlocal stop
        sampler = asyncio.create_task(sample())
        try:
            return await _crowd(url, people, secret, seconds, pause, files, seed)
        finally:
            stop = True
            await sampler

    start, cpu = time.monotonic(), time.process_time()
    runs = asyncio.run(main())
    elapsed = time.monotonic() - start
    out = summary(runs, elapsed)
    out.update(utilisateurs=len(people), duree_s=elapsed, cpu_generateur=(time.process_time() - cpu) / elapsed,
               memoire_processus_mo=[round(m) for m in peak],
               memoire_avant_mo=[round(m) for m in before],
               memoire_par_session_mo=(sum(peak) - sum(before)) / len(people) if pids and people else None,
               processus=sorted({r.processus for r in runs if r.processus}),
               imports=sum(r.action == "import" and not r.faults for r in runs))
    return out


def warm(url: str, person: Person, secret: str | None, pids: list[int]) -> None:
    """Every page of an administrator opened once on each process, before a measure: the processes' modules and the
    first visits loaded, as a deployment that has served for a while."""
    async def go():
        for _ in range(max(len(pids), 1) * 3):  # new sessions land on the processes by their random routes
            session = Session(url, {"_streamlit_user": login_cookie(secret, url, person)} if secret else {})
            await session.open()
            for page in PAGES[person.role]:
                await session.run(page)
            await session.close()

    asyncio.run(go())


def run(users: int, processes: int, seconds: float, pause: float, importers: int, db: Path, work: Path,
        repeat: int = 1) -> dict:
    """The deployment started on a copy of ``db``, the people registered, ``repeat`` measured loads (each on a fresh
    copy of the store, so that the imports find their months free)."""
    from .serve import Deployment, free_port

    people = crowd(users, importers)
    results = []
    for r in range(repeat):
        store = work / f"charge-{r}.duckdb"
        shutil.copy(db, store)
        register(store, people + [Person("chauffe@admin.charge.invalid", "admin")])
        port = free_port()
        secrets_file = write_secrets(work / f"secrets-{r}.toml", f"http://127.0.0.1:{port}")
        with Deployment(processes, port, db=store, secrets=secrets_file, run=work / f"serve-{r}") as deployment:
            secret = cookie_secret(secrets_file)
            warm(deployment.url, Person("chauffe@admin.charge.invalid", "admin"), secret, deployment.pids())
            files = [import_file(work, store, r * 100 + i) for i in range(importers)]
            results.append(measure(deployment.url, people, secret, seconds, pause, files, deployment.pids(), seed=r))
    return {"utilisateurs": users, "processus": processes, "duree_s": seconds, "pause_s": pause,
            "importeurs": importers, "essais": results, **_medians(results)}


def _medians(results: list[dict]) -> dict:
    def med(key):
        values = [r[key] for r in results if r.get(key) is not None]
        return statistics.median(values) if values else None

    return {"p50": med("p50"), "p95": med("p95"), "pages_par_seconde": med("pages_par_seconde"),
            "erreurs": sum(r["erreurs"] for r in results), "memoire_par_session_mo": med("memoire_par_session_mo"),
            "memoire_par_processus_mo": statistics.median(m for r in results for m in r["memoire_processus_mo"])
            if any(r["memoire_processus_mo"] for r in results) else None}


def table(report: dict) -> str:
    lines = [f"{report['utilisateurs']} utilisateurs, {report['processus']} processus, {report['duree_s']:.0f} s, "
             f"pause {report['pause_s']} s, {report['importeurs']} importeurs ; {len(report['essais'])} essai(s)",
             f"  p50 {report['p50']:.2f} s, p95 {report['p95']:.2f} s, {report['pages_par_seconde']:.1f} pages/s, "
             f"{report['erreurs']} erreur(s), mémoire {report['memoire_par_processus_mo'] or 0:.0f} Mo par processus, "
             f"{report['memoire_par_session_mo'] or 0:.1f} Mo par session ; le générateur occupe "
             f"{100 * report['essais'][-1]['cpu_generateur']:.0f} % d'un cœur"]
    last = report["essais"][-1]
    lines += [f"  {name:<34} {p['n']:4d}  p50 {p['p50']:6.2f} s  p95 {p['p95']:6.2f} s  erreurs {p['erreurs']}"
              for name, p in last["pages"].items()]
    lines += [f"  erreur : {e}" for e in last["exemples_erreurs"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m msap_stats.charge", description=__doc__.split("\n")[0])
    ap.add_argument("--utilisateurs", type=int, default=20)
    ap.add_argument("--processus", type=int, default=2)
    ap.add_argument("--duree", type=float, default=60, help="secondes de charge mesurée")
    ap.add_argument("--pause", type=float, default=2.0, help="secondes moyennes entre deux pages d'une personne")
    ap.add_argument("--importeurs", type=int, default=2, help="coordinateurs qui importent un fichier")
    ap.add_argument("--db", type=Path, help="base mesurée (copiée ; par défaut la démonstration, construite)")
    ap.add_argument("--repeat", type=int, default=1, help="essais, chacun sur un déploiement neuf")
    ap.add_argument("--url", help="un déploiement déjà lancé (sa mémoire n'est alors pas mesurée)")
    ap.add_argument("--secrets", type=Path, help="son secrets.toml (le secret des cookies de connexion)")
    ap.add_argument("--json", type=Path, help="écrire le rapport dans ce fichier JSON")
    ap.add_argument("--dossier", type=Path, help="garder ici les bases, configurations et journaux des essais")
    args = ap.parse_args(argv)
    if args.dossier:
        args.dossier.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="msap-charge-", dir=args.dossier) as tmp:
        work = Path(tmp)
        if args.dossier:  # kept: the TemporaryDirectory only names it
            work = Path(tempfile.mkdtemp(prefix="essai-", dir=args.dossier))
        os.chmod(work, 0o755)
        if args.url:
            people = crowd(args.utilisateurs, 0)
            secret = cookie_secret(args.secrets) if args.secrets else None
            one = measure(args.url, people, secret, args.duree, args.pause, [])
            report = {"utilisateurs": args.utilisateurs, "processus": None, "duree_s": args.duree,
                      "pause_s": args.pause, "importeurs": 0, "essais": [one], **_medians([one])}
        else:
            db = args.db
            if db is None:
                from . import demo

                db = work / "demo.duckdb"
                demo.build(db, seed=42)
            report = run(args.utilisateurs, args.processus, args.duree, args.pause, args.importeurs, db, work,
                         args.repeat)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
