"""Certificate rendering: speed and memory. Prints numbers; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/toa_portal \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/2 SECRET_KEY=bench STATIC_MANIFEST=0 \\
    .venv/bin/python benchmarks/render_bench.py [--count 1000] [--samples 25]

1. In this process: the median time to render one certificate (a Japanese
   name, so a CJK font is subset and embedded) against the time WeasyPrint
   takes for a minimal one-page A4 document with one line in each of the same
   fonts. Target: within 2x. Then what archiving costs: the same certificate
   as a plain PDF (no PDF/A, no tags, nothing attached), as PDF/A-3u without
   the credential, and as it is rendered (PDF/A-3u, tagged, the credential
   attached); and signing the credential (RDFC-1.0 canonicalisation of the
   credential and its proof options, Ed25519), done once per version.
2. A real worker (prefork, concurrency 2, worker_max_tasks_per_child as in the
   settings) renders --count certificates end to end: from publishing the
   tasks to every certificate recorded `rendered`. Target: 1,000 in < 60 s.
3. Resident memory of a worker child (concurrency 1, never recycled during
   the run) after 10 renders and after --count renders. Target: < 20% growth.

It works in a database of its own (`<name>_render_bench`, created and dropped)
and a temporary private folder. The certificates of steps 2 and 3 are versions
of one accreditation issued through the services, copied as rows: the render
reads and writes exactly what it does for any certificate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="certificates rendered by the worker (default 1000)")
    parser.add_argument("--samples", type=int, default=25, help="renders timed in this process (default 25)")
    parser.add_argument("--single-only", action="store_true", help="only step 1 (no worker is started)")
    return parser.parse_args()


def setup_django(media_root: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "toa_portal.settings")
    os.environ["PRIVATE_MEDIA_ROOT"] = media_root
    # A signing key of its own, in the temporary folder (the workers inherit it).
    os.environ["CREDENTIAL_SIGNING_KEY_FILE"] = str(Path(media_root) / "credential-signing-key.pem")
    os.environ.pop("FILE_STORAGE_BACKEND", None)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://… (the worker processes share the database).")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        sys.exit("Set CELERY_BROKER_URL=redis://… (a real worker renders the certificates).")
    import django

    django.setup()
    from accreditation.credentials.keys import key_path, signing_key_write

    signing_key_write(key_path())


def median_seconds(function, samples: int) -> float:
    for _ in range(3):
        function()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def medians_interleaved(functions, samples: int) -> list[float]:
    """The median time of each function, timed in turn, round after round."""
    for function in functions:
        function()
    timings = [[] for _ in functions]
    for _ in range(samples):
        for function, times in zip(functions, timings, strict=True):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in timings]


MINIMAL_DOCUMENT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Minimal</title></head>
<body><p class="r">Certificate of accreditation</p><p class="b">Technical and Operational Advisor</p>
<p class="i">This is to certify that</p><p lang="ja">佐藤 陽輝</p></body></html>"""

MINIMAL_STYLE = """
@font-face {{ font-family: "TOA Serif"; src: url("{fonts}/NotoSerif-Regular.ttf"); }}
@font-face {{ font-family: "TOA Serif"; font-weight: bold; src: url("{fonts}/NotoSerif-Bold.ttf"); }}
@font-face {{ font-family: "TOA Serif"; font-style: italic; src: url("{fonts}/NotoSerif-Italic.ttf"); }}
@page {{ size: A4 landscape; }}
body {{ font-family: "TOA Serif"; }}
.b {{ font-weight: bold; }} .i {{ font-style: italic; }}
:lang(ja) {{ font-family: "TOA Serif", "Noto Serif CJK JP"; }}
"""


def minimal_renderer(*, reuse_fonts: bool):
    """WeasyPrint rendering the minimal document: with a fresh font
    configuration each time (WeasyPrint's default), or reusing one as the
    certificate renderer does."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from accreditation import certificates

    fetcher = certificates.url_fetcher()
    style = MINIMAL_STYLE.format(fonts=certificates.font_dir().as_uri())
    shared = FontConfiguration()
    shared_css = CSS(string=style, url_fetcher=fetcher, font_config=shared)

    def render() -> bytes:
        if reuse_fonts:
            font_config, css = shared, shared_css
        else:
            font_config = FontConfiguration()
            css = CSS(string=style, url_fetcher=fetcher, font_config=font_config)
        return HTML(string=MINIMAL_DOCUMENT, url_fetcher=fetcher).write_pdf(stylesheets=[css], font_config=font_config)

    return render


def renderer_with(certificate, **options):
    """render_pdf with other PDF options (the same HTML, stylesheet and fonts)."""
    from weasyprint import HTML

    from accreditation import certificates

    html = certificates.render_html(certificate)
    css, font_config = certificates.stylesheet()

    def render() -> bytes:
        return HTML(string=html, url_fetcher=certificates.url_fetcher()).write_pdf(
            stylesheets=[css], font_config=font_config, **options
        )

    return render


def issue_one_certificate():
    """One accredited expert with a Japanese name, through the services."""
    from tests.factories import OfficialFactory, accredit

    official = OfficialFactory(name_latin="Sato Haruki", name_native="佐藤 陽輝", name_native_lang="ja")
    [certificate] = accredit([official])
    return certificate


def copies_of(certificate, count: int) -> list[int]:
    """`count` further versions of the certificate, queued, as plain rows."""
    from django.db.models import Max

    from accreditation.enums import RenderState, Validity
    from accreditation.models import Certificate, new_verification_code

    start = (
        Certificate.objects.filter(accreditation_id=certificate.accreditation_id).aggregate(Max("version"))[
            "version__max"
        ]
        + 1
    )
    rows = Certificate.objects.bulk_create(
        Certificate(
            accreditation_id=certificate.accreditation_id,
            number=certificate.number,
            version=version,
            verification_code=new_verification_code(),
            issued_on=certificate.issued_on,
            valid_until=certificate.valid_until,
            language=certificate.language,
            validity=Validity.SUPERSEDED,
            render_state=RenderState.QUEUED,
        )
        for version in range(start, start + count)
    )
    return [row.pk for row in rows]


def rendered_count(ids) -> int:
    from accreditation.enums import RenderState
    from accreditation.models import Certificate

    return Certificate.objects.filter(pk__in=ids, render_state=RenderState.RENDERED).count()


def requeue(ids) -> None:
    from accreditation.enums import RenderState
    from accreditation.models import Certificate

    Certificate.objects.filter(pk__in=ids).update(render_state=RenderState.QUEUED)


def publish(ids) -> None:
    from accreditation.tasks import render_certificate

    for pk in ids:
        render_certificate.delay(pk)


def wait_until_rendered(ids, *, timeout: float, on_progress=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = rendered_count(ids)
        if on_progress is not None:
            on_progress(done)
        if done >= len(ids):
            return
        time.sleep(0.2)
    sys.exit(f"Timed out: {rendered_count(ids)} of {len(ids)} rendered after {timeout:.0f} s.")


class Worker:
    def __init__(self, *, concurrency: int, max_tasks_per_child: int, log: Path):
        from django.db import connection

        db = connection.settings_dict
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}",
            # As deployed (docker-compose.yml): persistent connections in the worker.
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        }
        self.log = log
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "toa_portal",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--max-tasks-per-child={max_tasks_per_child}",
                "--hostname=render-bench@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.wait_ready(concurrency)

    def children(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def wait_ready(self, concurrency: int) -> None:
        from toa_portal.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit("The worker stopped:\n" + self.log.read_text())
            if len(self.children()) >= concurrency and app.control.ping(timeout=0.5):
                return
            time.sleep(0.2)
        sys.exit("The worker did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"No VmRSS for process {pid}")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="render-bench-") as media_root:
        setup_django(media_root)
        from django.db import connection

        from accreditation import certificates, services
        from toa_portal.celery import app

        connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + "_render_bench"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        app.conf.task_always_eager = False
        app.control.purge()
        try:
            run(args, certificates, services, Path(media_root))
        finally:
            app.control.purge()
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args, certificates, services, media_root: Path) -> None:
    from django.conf import settings

    print(f"Certificate render benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs")
    print("Load average before (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    from accreditation.credentials.badge import certificate_credential_sign, sign_credential

    certificate = issue_one_certificate()
    loaded = certificates.certificate_for_render(certificate.pk)
    certificate_credential_sign(certificate=loaded)

    # 1. One certificate against a minimal document with the same fonts.
    render_only = median_seconds(lambda: certificates.render_pdf(loaded), args.samples)
    minimal = median_seconds(minimal_renderer(reuse_fonts=True), args.samples)
    minimal_fresh = median_seconds(minimal_renderer(reuse_fonts=False), args.samples)
    [spare] = copies_of(certificate, 1)

    def render_and_store():
        requeue([spare])
        services.certificate_render(certificate_id=spare)

    full = median_seconds(render_and_store, args.samples)
    size = len(certificates.render_pdf(loaded))
    print()
    print(f"1. One certificate (Japanese name), median of {args.samples}:")
    print(f"   render_pdf (template, fonts, QR, PDF)          {render_only * 1000:7.1f} ms  ({size / 1024:.0f} KiB)")
    print(f"   certificate_render (claim, render, store)     {full * 1000:7.1f} ms")
    print("   minimal A4 page, one line in each of the same fonts,")
    print(f"     font configuration reused, as the renderer does {minimal * 1000:7.1f} ms")
    print(f"     a fresh one each time (WeasyPrint's default)    {minimal_fresh * 1000:7.1f} ms")
    ratio = render_only / minimal
    print(f"   ratio render_pdf / minimal, like for like     {ratio:7.2f}x   (target ≤ 2x: {_verdict(ratio <= 2)})")
    print(f"   ratio render_pdf / minimal with fresh fonts   {render_only / minimal_fresh:7.2f}x")

    # 1b. What the archival format and the embedded credential cost.
    plain_render = renderer_with(loaded)
    pdfa_options = certificates.archival_options(loaded)
    pdfa_options.pop("attachments")
    pdfa_render = renderer_with(loaded, **pdfa_options)
    # Round robin, so that a change in the machine's load weighs on all three alike.
    plain, pdfa, archival = medians_interleaved(
        [plain_render, pdfa_render, lambda: certificates.render_pdf(loaded)], args.samples
    )
    signing = median_seconds(lambda: sign_credential(loaded), args.samples)
    sizes = {name: len(render()) for name, render in (("plain", plain_render), ("pdfa", pdfa_render))}
    print(f"   what archiving costs (median of {args.samples}):")
    print(
        f"     plain PDF (no PDF/A, no tags, no attachment)  {plain * 1000:7.1f} ms  ({sizes['plain'] / 1024:.0f} KiB)"
    )
    print(f"     PDF/A-3u, tagged, no attachment             {pdfa * 1000:7.1f} ms  ({sizes['pdfa'] / 1024:.0f} KiB)")
    print(f"     PDF/A-3u, tagged, credential attached       {archival * 1000:7.1f} ms  ({size / 1024:.0f} KiB)")
    print(
        f"     PDF/A and credential over plain              {(archival - plain) * 1000:+7.1f} ms  ({(archival / plain - 1) * 100:+.0f}%)"
    )
    print(
        f"     signing the credential (once per version)   {signing * 1000:7.1f} ms  ({len(loaded.credential)} bytes)"
    )
    if args.single_only:
        return

    # 2. A real worker renders `count` certificates end to end.
    ids = copies_of(certificate, args.count)
    per_child = settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
    worker = Worker(concurrency=2, max_tasks_per_child=per_child, log=media_root / "worker-throughput.log")
    try:
        started = time.perf_counter()
        publish(ids)
        wait_until_rendered(ids, timeout=max(600, args.count))
        elapsed = time.perf_counter() - started
    finally:
        worker.stop()
    print()
    print(f"2. A worker (prefork, concurrency 2, max tasks per child {per_child}) renders {args.count} certificates:")
    print(f"   end to end {elapsed:7.1f} s, {args.count / elapsed:5.1f} certificates/s")
    target = 60 * args.count / 1000
    print(f"   (target for this count < {target:.0f} s: {_verdict(elapsed < target)})")
    files = list((media_root / "certificates").iterdir())
    print(f"   files written: {len(files)} for {args.count + 2} certificate rows")

    # 3. Memory of one worker child over the renders.
    requeue(ids)
    worker = Worker(concurrency=1, max_tasks_per_child=args.count + 100, log=media_root / "worker-memory.log")
    samples = {}
    try:
        [child] = worker.children()
        rss_start = rss_kib(child)

        def sample(done):
            if done >= 10 and "after 10" not in samples:
                samples["after 10"] = rss_kib(child)

        publish(ids)
        wait_until_rendered(ids, timeout=max(900, 2 * args.count), on_progress=sample)
        time.sleep(0.5)
        samples[f"after {args.count}"] = rss_kib(child)
        assert worker.children() == [child], "the child was replaced during the run"
    finally:
        worker.stop()
    growth = samples[f"after {args.count}"] / samples["after 10"] - 1
    print()
    print(f"3. Resident memory of one worker child (concurrency 1, not recycled) over {args.count} renders:")
    print(f"   idle {rss_start / 1024:7.1f} MiB")
    for label, value in samples.items():
        print(f"   {label:<9} {value / 1024:7.1f} MiB")
    print(f"   growth from 10 to {args.count} renders: {growth * 100:+.1f}%  (target < 20%: {_verdict(growth < 0.2)})")
    print()
    print("Load average after (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
