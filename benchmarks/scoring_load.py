"""Saving Phase One scores under load, against gunicorn and PostgreSQL. Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/scoring_load.py [--duration 60] [--clients 20]
        [--database-url postgres://postgres@127.0.0.1:5432/toa_portal_scoring_bench]

What it does:

1. Creates a database of its own (dropped at the end unless --keep-db),
   migrates it and generates, through the services, one workshop per pair of
   simulated assessors: 14 accepted candidates × 3 exercises × 4 criteria ×
   2 assessors each (20 clients → 10 such workshops, 20 assessor accounts).
2. Starts gunicorn (2 sync workers, --no-control-socket) with
   DATABASE_URL=…?conn_max_age=60, DEBUG off.
3. Logs every client in through the real login form, reads its three sheets
   (the versions of its cells) and then, like an assessor filling a sheet,
   saves one cell after the other through the htmx endpoint, sending the
   version it last saw and keeping the one the server returns:
   (a) each client saves one value every --interval seconds (2 s: 20 clients
       make 10 saves/s, a busy morning) for --duration seconds → p50/p95/p99;
   (b) the same clients with no pause for --duration seconds → the saves per
       second reached and the latency percentiles at that load.
Latency is measured in the client (Python threads with requests), from the
request sent to the response read; the client shares the machine's cores
with gunicorn and PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PASSWORD = "bench-scoring-2023"
CANDIDATES = 14
CRITERIA = [
    ("TK", "Technical knowledge", 3),
    ("TD", "Training delivery", 2),
    ("FA", "Facilitation", 1),
    ("CO", "Communication", 1),
]
EXERCISES = [("PRES", "Presentation"), ("GROUP", "Group discussion"), ("ROLE", "Role-play")]
CELL = re.compile(r'id="s-(\d+)-(\d+)"[^>]*?hx-post="([^"]+)"', re.S)
VERSION = re.compile(r'id="v-(\d+)-(\d+)" value="(\d+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of each phase (default 60)")
    parser.add_argument("--clients", type=int, default=20, help="simulated assessors, an even number (default 20)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between two saves in phase (a)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/toa_portal_scoring_bench",
        help="the benchmark's own database (created, and dropped unless --keep-db)",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


# Database and data -------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def drop_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    admin.close()


def generate(workshops: int) -> list[str]:
    """The workshops, their assessors and candidates, through the services.
    Returns the assessors' usernames."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from candidates.enums import SECRETARIAT_GROUP
    from candidates.models import Administration, Official, Region, UserProfile
    from workshops import services as workshop_services
    from workshops.enums import WorkshopStatus
    from workshops.models import Programme, ProgrammeCriterion, ProgrammeExercise, ProgrammeGradeBand

    User = get_user_model()
    password = make_password(PASSWORD)
    region = Region.objects.create(code="bench", name="Benchmark region")
    administrations = [
        Administration.objects.create(code=f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}", name=f"Bench {i}", region=region)
        for i in range(CANDIDATES + 2 * workshops + 1)
    ]
    secretariat = User.objects.create(username="bench-secretariat", password=password)
    secretariat.groups.add(Group.objects.get_or_create(name=SECRETARIAT_GROUP)[0])
    programme = Programme.objects.create(code="bench", name="Benchmark programme", certificate_prefix="BEN")
    criteria = [
        ProgrammeCriterion.objects.create(programme=programme, code=code, name=name, weight=weight, order=i)
        for i, (code, name, weight) in enumerate(CRITERIA)
    ]
    for i, (code, name) in enumerate(EXERCISES):
        ProgrammeExercise.objects.create(programme=programme, code=code, name=name, order=i).criteria.set(criteria)
    ProgrammeGradeBand.objects.create(programme=programme, name="Pass", min_percent=60)
    usernames = []
    today = timezone.localdate()
    for w in range(workshops):
        workshop = workshop_services.workshop_create(
            actor=secretariat,
            programme=programme,
            title=f"Benchmark workshop {w + 1}",
            city="Kashiwa",
            host_administration=administrations[-1],
            start_date=today,
            end_date=today + dt.timedelta(days=3),
            capacity=CANDIDATES,
            nomination_deadline=timezone.now() + dt.timedelta(days=1),
            status=WorkshopStatus.OPEN,
        )
        for a in range(2):
            user = User.objects.create(username=f"bench-assessor-{w + 1}-{a + 1}", password=password)
            UserProfile.objects.update_or_create(
                user=user, defaults={"home_administration": administrations[CANDIDATES + 2 * w + a]}
            )
            workshop_services.assessor_assign(actor=secretariat, workshop=workshop, assessor=user)
            usernames.append(user.username)
        for c in range(CANDIDATES):
            official = Official.objects.create(
                administration=administrations[c],
                name_latin=f"Candidate {w + 1}-{c + 1}",
                email=f"c{w}-{c}@bench.example",
            )
            nomination = workshop_services.nomination_submit(
                actor=secretariat,
                workshop=workshop,
                official=official,
                letter_reference=f"B/{w}/{c}",
                nominating_officer="Director General",
                nomination_date=today,
            )
            workshop_services.nomination_accept(actor=secretariat, nomination=nomination)
        for status in (WorkshopStatus.CLOSED, WorkshopStatus.IN_PROGRESS):
            workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=status)
    return usernames


# Server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, port: int, workers: int) -> subprocess.Popen:
    parts = urlsplit(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(query="conn_max_age=60")),
        "SECRET_KEY": "benchmark-only-secret-key",
        "DEBUG": "0",
        "SECURE_COOKIES": "0",
        "STATIC_MANIFEST": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
        "toa_portal.wsgi:application",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "error",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    import requests

    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer in 30 s")


# Clients -----------------------------------------------------------------------------------------


class Assessor:
    """One simulated assessor: a logged-in session and the cells of its three sheets."""

    def __init__(self, base: str, username: str):
        import requests

        self.base = base
        self.session = requests.Session()
        self.username = username
        self.cells: list[list] = []  # [url, version, value]
        self.position = 0

    def login(self) -> None:
        login_url = f"{self.base}/accounts/login/"
        self.session.get(login_url)
        response = self.session.post(
            login_url,
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.session.cookies["csrftoken"],
                "next": "/assessment/",
            },
            headers={"Referer": login_url},
        )
        if "/assessment/" not in response.url:
            raise RuntimeError(f"{self.username} could not log in ({response.status_code})")
        page = response.text
        for sheet in sorted(set(re.findall(r'href="(/assessment/workshops/\d+/exercises/\d+/)"', page))):
            html = self.session.get(self.base + sheet).text
            versions = {(n, c): int(v) for n, c, v in VERSION.findall(html)}
            for n, c, url in CELL.findall(html):
                self.cells.append([self.base + url, versions[(n, c)], 0])
        if not self.cells:
            raise RuntimeError(f"{self.username} has no cell to score")
        random.shuffle(self.cells)

    def save(self) -> tuple[float, int]:
        cell = self.cells[self.position % len(self.cells)]
        self.position += 1
        cell[2] = cell[2] % 5 + 1  # always a change: 1, 2, 3, 4, 5, 1, …
        started = time.perf_counter()
        response = self.session.post(
            cell[0],
            data={"value": str(cell[2]), "version": str(cell[1])},
            headers={"X-CSRFToken": self.session.cookies["csrftoken"], "HX-Request": "true", "Referer": self.base},
        )
        elapsed = time.perf_counter() - started
        if response.status_code == 200:
            cell[1] = int(response.headers["X-Score-Version"])
        return elapsed, response.status_code


def run_phase(assessors: list[Assessor], *, duration: float, interval: float | None) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(assessors) + 1)

    def work(assessor: Assessor):
        barrier.wait()
        end = time.perf_counter() + duration
        next_at = time.perf_counter() + (random.uniform(0, interval) if interval else 0)
        mine, codes = [], {}
        while True:
            if interval:
                pause = next_at - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            if time.perf_counter() >= end:
                break
            elapsed, status = assessor.save()
            codes[status] = codes.get(status, 0) + 1
            if status == 200:
                mine.append(elapsed)
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=work, args=(assessor,)) for assessor in assessors]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "wall": wall}


def summary(name: str, result: dict) -> str:
    values = sorted(result["latencies"])
    if len(values) < 2:
        return f"{name}: not enough successful saves ({result['statuses']})"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    total = sum(result["statuses"].values())
    errors = total - result["statuses"].get(200, 0)

    def ms(seconds):
        return f"{seconds * 1000:7.1f}"

    return (
        f"{name:<34} saves {len(values):6d}  errors {errors:4d}  saves/s {len(values) / result['wall']:7.1f}  "
        f"p50 {ms(cuts[49])} ms  p95 {ms(cuts[94])} ms  p99 {ms(cuts[98])} ms  max {ms(values[-1])} ms"
        + (f"  statuses {result['statuses']}" if errors else "")
    )


def main():
    args = parse_args()
    if args.clients < 2 or args.clients % 2:
        sys.exit("--clients must be an even number (two assessors per workshop).")
    if not args.database_url.startswith("postgres"):
        sys.exit("--database-url must point at PostgreSQL.")
    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "toa_portal.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"  # the acceptance notices
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    server = None
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        usernames = generate(args.clients // 2)
        connections.close_all()
        print(
            f"Data: {args.clients // 2} workshops × {CANDIDATES} candidates × {len(EXERCISES)} exercises × "
            f"{len(CRITERIA)} criteria × 2 assessors, generated in {time.perf_counter() - started:.1f} s"
        )
        port = free_port()
        server = start_gunicorn(args.database_url, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        assessors = [Assessor(base, username) for username in usernames]
        for assessor in assessors:
            assessor.login()
        print(
            f"Server: gunicorn, {args.workers} sync workers, conn_max_age=60, DEBUG off; "
            f"{len(assessors)} clients logged in, {sum(len(a.cells) for a in assessors)} cells; "
            f"{os.cpu_count()} CPU cores shared by client, server and PostgreSQL"
        )
        paced = run_phase(assessors, duration=args.duration, interval=args.interval)
        print(summary(f"(a) one save / {args.interval:g} s / client, {args.duration:g} s", paced))
        flat_out = run_phase(assessors, duration=args.duration, interval=None)
        print(summary(f"(b) no pause, {args.duration:g} s", flat_out))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connections.close_all()
        if not args.keep_db:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
