"""Several dashboard processes behind nginx, on one store, driven as people use them: a page through the proxy in
Chromium, sessions kept on their process (websocket and uploads), a login that holds on every process, an import
made through one process seen through the other, a killed process replaced and its session back; and the load test
that speaks Streamlit's protocol, at a small size (no timed assertion: its figures are in BENCHMARKS.md)."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from msap_stats import charge, serve, store
from msap_stats.access import roles, users
from msap_stats.charge import Person, Session
from tests import browser

pytestmark = [pytest.mark.skipif(not Path(serve.NGINX).exists(), reason="nginx absent : « make test » l'installe"),
              pytest.mark.skipif(not browser.chromium_available(), reason=browser.MISSING_CHROMIUM)]

ADMIN = Person("admin@deploiement.invalid", "admin")
COORD = Person("coord@deploiement.invalid", "coordinateur", ("76",), imports=True)
READER = Person("lecteur@deploiement.invalid", "lecteur")


NEWCOMER = "nouvelle@deploiement.invalid"  # logs in through the provider, in the browser


@pytest.fixture(scope="module")
def provider():
    """A local OpenID Connect provider: the login through nginx is a real one."""
    with browser.oidc_provider({NEWCOMER: {"email": NEWCOMER, "email_verified": True}}) as url:
        yield url


@pytest.fixture(scope="module")
def deployment(demo_db, provider, tmp_path_factory):
    work = tmp_path_factory.mktemp("deploiement")
    os.chmod(work, 0o755)
    db = work / "partagee.duckdb"
    shutil.copy(demo_db, db)
    charge.register(db, [ADMIN, COORD, READER])
    con = store.connect(db)
    roles.grant(con, users.User("admin@deploiement.invalid", "admin"), NEWCOMER, "lecteur")
    con.close()
    port = browser.free_port()
    secrets_file = charge.write_secrets(work / "secrets.toml", f"http://127.0.0.1:{port}",
                                        f"{provider}/.well-known/openid-configuration")
    with serve.Deployment(2, port, db=db, secrets=secrets_file, run=work / "serve",
                          first_port=browser.free_port()) as d:
        d.secret = charge.cookie_secret(secrets_file)
        d.work = work
        yield d


def _session(d, person: Person, route: str | None = None) -> Session:
    cookies = {"_streamlit_user": charge.login_cookie(d.secret, d.url, person)}
    if route:
        cookies["msap_route"] = route
    return Session(d.url, cookies)


def _route_to(d, port: int) -> str:
    """A route cookie that nginx sends to the process of ``port`` (its consistent hash, found by asking; a process
    just started again gets its people back once nginx tries it again, after ``fail_timeout``)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        route = secrets.token_hex(16)
        request = urllib.request.Request(f"{d.url}/", headers={"Cookie": f"msap_route={route}"})
        with urllib.request.urlopen(request, timeout=10) as r:
            if r.headers["X-Msap-Processus"] == f"127.0.0.1:{port}":
                return route
        time.sleep(0.05)
    raise AssertionError(f"aucune route vers le port {port}")


def test_the_configuration_is_written_from_the_template_and_accepted_by_nginx(tmp_path):
    text = serve.nginx_config([8601, 8602, 8603], "0.0.0.0", 8443, tmp_path)
    assert "@@" not in text
    assert text.count("server 127.0.0.1:86") == 3 and "listen 0.0.0.0:8443;" in text
    assert "hash $msap_route consistent;" in text and "proxy_set_header Upgrade $http_upgrade;" in text
    assert f"client_max_body_size {serve.UPLOAD_MB}m;" in text
    for folder in ("corps", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(text)
    check = subprocess.run([serve.NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_a_login_through_the_proxy_holds_on_the_other_process(deployment):
    """In Chromium, through nginx: the page, its websocket, a real login (the provider's round trip comes back to
    the process that asked for it); then the person sent to the other process is still logged in, with their
    role."""
    first, second = (m.port for m in deployment.members)
    with browser.chromium_page() as page:
        page.context.add_cookies([{"name": "msap_route", "value": _route_to(deployment, first),
                                   "url": deployment.url}])
        browser.login(page, deployment.url, NEWCOMER)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert f"Connecté(e) : {NEWCOMER} — lecteur" in sidebar.inner_text()
        page.context.add_cookies([{"name": "msap_route", "value": _route_to(deployment, second),
                                   "url": deployment.url}])
        response = page.goto(f"{deployment.url}/motifs")
        assert response.headers["x-msap-processus"] == f"127.0.0.1:{second}"
        browser.wait_for_app(page, min_charts=3)
        assert browser.exceptions(page) == []
        assert f"Connecté(e) : {NEWCOMER} — lecteur" in sidebar.inner_text()
        assert page.get_by_role("link", name="Importer des données").count() == 0  # a reader imports nothing
    log = (deployment.run / "access.log").read_text()
    assert re.search(rf'"GET /oauth2callback\S* HTTP/1.1" 30\d .* processus=127.0.0.1:{first} ', log)


def test_sessions_stay_on_their_process_and_an_import_is_seen_through_the_other(deployment):
    first, second = (m.port for m in deployment.members)

    async def scenario():
        coord = _session(deployment, COORD, _route_to(deployment, first))
        reader = _session(deployment, ADMIN, _route_to(deployment, second))
        await coord.open()
        await reader.open()
        assert coord.processus == f"127.0.0.1:{first}" and reader.processus == f"127.0.0.1:{second}"
        # The login holds on both processes: each knows its person and role.
        run = await coord.run("importer")
        assert run.faults == [] and "importer" in coord.pages and "administration" not in coord.pages
        assert (await reader.run("administration")).faults == []
        before = await _requests_shown(reader)
        # The coordinator imports on the first process: upload, inspection, confirmation.
        path = charge.import_file(deployment.work, deployment.db, 0)
        imported = await charge._import(coord, path)
        assert imported.faults == [], imported.faults
        rows = sum(int(line.rsplit(";", 1)[1]) for line in path.read_text().splitlines()[1:])
        # The second process sees it at its next run: in the journal of its import page, and in the figures of a
        # page opened there (a session keeps the period it began with; a new one covers the new month).
        assert (await reader.run("importer")).faults == []
        assert any(path.name in option for option in reader.options["Annuler un import"])
        newcomer = _session(deployment, ADMIN, _route_to(deployment, second))
        await newcomer.open()
        assert await _requests_shown(newcomer) == before + rows
        for s in (coord, reader, newcomer):
            await s.close()

    asyncio.run(scenario())
    # Every request of the coordinator's visit (the websocket, the upload) went to its process.
    log = (deployment.run / "access.log").read_text()
    by_route: dict[str, set[str]] = {}
    for route, processus in re.findall(r"route=(\w+) processus=([\d.:]+)", log):
        by_route.setdefault(route, set()).add(processus)
    uploads = re.findall(r'"PUT /_stcore/upload_file/\S+ HTTP/1.1" 20\d \d+ route=(\w+) processus=([\d.:]+)', log)
    assert uploads and all(p == f"127.0.0.1:{first}" and by_route[r] == {p} for r, p in uploads)


async def _requests_shown(session: Session) -> int:
    """The requests of the overview's key figure, as the page writes it (« 1 000 584 »)."""
    run = await session.run("")
    assert run.faults == []
    found = [t for t in session.texts if "demandes traitées" in t and "kf-valeur" in t]
    assert found, session.texts[:5]
    value = re.search(r'class="kf-valeur">([\d\u202f\u00a0 ]+)<', found[0]).group(1)
    return int(re.sub(r"\D", "", value))


def test_a_coordinator_imports_with_the_page_s_defaults_a_file_a_national_profile_reads(deployment):
    """An administrator's import saves a national profile; a coordinator's file of the same headers is read by it,
    and imported as the page proposes (the national profile applies; it is not saved over)."""
    async def scenario():
        admin, coord = _session(deployment, ADMIN), _session(deployment, COORD)
        for session in (admin, coord):
            await session.open()
            assert (await session.run("importer")).faults == []
        national = await charge._import(admin, charge.import_file(deployment.work, deployment.db, 20))
        assert national.faults == []
        regional = await charge._import(coord, charge.import_file(deployment.work, deployment.db, 21))
        assert regional.faults == [], regional.faults
        await admin.close()
        await coord.close()

    asyncio.run(scenario())


def test_a_killed_process_is_replaced_and_its_session_comes_back(deployment):
    member = deployment.members[0]

    async def scenario():
        session = _session(deployment, READER, _route_to(deployment, member.port))
        await session.open()
        assert (await session.run("motifs")).faults == []
        os.killpg(member.proc.pid, signal.SIGKILL)  # the process and its reading processes, at once
        cut = await session.run("satisfaction")
        assert cut.faults and "session coupée" in cut.faults[0]
        await session.close()
        # Meanwhile the proxy sends the person to the other process: a new page opens.
        again = _session(deployment, READER, session.cookies["msap_route"])
        await again.open()
        assert (await again.run("satisfaction")).faults == []
        await again.close()

    asyncio.run(scenario())
    deadline = time.monotonic() + 60
    replaced = []
    while not replaced and time.monotonic() < deadline:
        replaced = deployment.check()
        time.sleep(0.5)
    assert replaced == [f"processus du port {member.port} arrêté : relancé"]
    while not serve.healthy(member.url, 2):
        assert time.monotonic() < deadline, "le processus relancé ne répond pas"
        deployment.check()
        time.sleep(0.5)

    async def back():
        session = _session(deployment, READER, _route_to(deployment, member.port))
        await session.open()
        assert session.processus == f"127.0.0.1:{member.port}"
        assert (await session.run("motifs")).faults == []
        await session.close()

    asyncio.run(back())
    assert member.restarts == 1


def test_the_load_test_speaks_the_protocol_every_page_of_every_role(deployment):
    """The load test at a small size: every page of each role runs without an error, the importers' files are
    loaded, the report gives per page its median and 95th percentile, pages per second and memory."""
    people = [Person("charge-admin@deploiement.invalid", "admin", imports=True),
              Person("charge-coord@deploiement.invalid", "coordinateur", ("76",), imports=True),
              Person("charge-lecteur@deploiement.invalid", "lecteur")]
    charge.register(deployment.db, people)
    files = [charge.import_file(deployment.work, deployment.db, 10 + i) for i in range(2)]
    report = charge.measure(deployment.url, people, deployment.secret, seconds=25, pause=0.2, files=files,
                            pids=deployment.pids())
    assert report["erreurs"] == 0, report["exemples_erreurs"]
    assert report["imports"] == 2
    every = {("accueil" if p == "" else p) for role in ("admin", "coordinateur", "lecteur") for p in charge.PAGES[role]}
    assert every <= set(report["pages"])
    assert all(p["p95"] >= p["p50"] > 0 for p in report["pages"].values() if p["n"] - p["erreurs"] > 0)
    assert report["pages_par_seconde"] > 0 and len(report["memoire_processus_mo"]) == 2
    assert all(m > 50 for m in report["memoire_processus_mo"])
    assert set(report["processus"]) <= {f"127.0.0.1:{m.port}" for m in deployment.members}
