"""The system packages are listed once, in system-packages.txt: the Makefile
and .ci/run read it, the README and the Dockerfile name the same packages,
and `make run` / `make test` check them (installing them as root on Debian,
else stopping with the exact command)."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from accreditation import fonts

BASE_DIR = Path(settings.BASE_DIR)


def packages(*groups: str) -> list[str]:
    listed = []
    for line in (BASE_DIR / "system-packages.txt").read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#") and (not groups or fields[1] in groups):
            listed.append(fields[0])
    return listed


def readme_packages() -> list[str]:
    """The backticked names of the bullet list under "## System packages"."""
    section = (BASE_DIR / "README.md").read_text().split("## System packages", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(r"^- .*?(?=^- |^$)", section, re.M | re.S)
    return [name for bullet in bullets for name in re.findall(r"`([^`]+)`", bullet)]


def test_system_packages_are_grouped_by_what_needs_them():
    assert set(packages()) == set(packages("run", "render", "test"))
    assert len(packages()) == len(set(packages()))


def test_readme_lists_the_same_system_packages():
    assert readme_packages() == packages()


def test_ci_and_makefile_read_the_list_and_name_no_package_themselves():
    ci = (BASE_DIR / ".ci/run").read_text()
    makefile = (BASE_DIR / "Makefile").read_text()

    assert "awk '$1 !~ /^#/ && NF { print $1 }' system-packages.txt" in ci
    assert "SYSTEM_PACKAGES := system-packages.txt" in makefile
    installs = [line for text in (ci, makefile) for line in text.splitlines() if "apt-get install" in line]
    # .ci/run: the list, and Node.js for the credential verifier when there is no `node`;
    # the Makefile's install as root and its printed command.
    assert len(installs) == 4
    for line in installs:
        assert not set(line.replace('"', " ").split()) & set(packages()), line


def test_dockerfile_installs_the_packages_to_render_certificates():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    command = re.search(r"apt-get install -y --no-install-recommends(.*?)&&", dockerfile, re.S).group(1)

    assert sorted(command.replace("\\", " ").split()) == sorted(packages("render"))


def test_font_packages_named_in_refusals_are_in_the_list():
    assert {fonts.CJK_PACKAGE, fonts.CORE_PACKAGE} <= set(packages("render"))


def standalone_env() -> dict[str, str]:
    """The environment of a `make` typed in a shell, even when the suite itself runs under
    `make test` (a sub-make would announce its directory and inherit the parent's flags)."""
    return {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def make(*args: str, tmp_path: Path, fake: dict[str, str]) -> subprocess.CompletedProcess:
    """`make -s …` in the project, with stand-ins for the system tools in `fake`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, script in fake.items():
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\n" + script)
        tool.chmod(0o755)
    env = {**standalone_env(), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(
        ["make", "-s", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )


# dpkg-query as on a machine where the CJK fonts and redis-tools are missing.
DPKG_QUERY = """for last; do :; done
case "$last" in fonts-noto-cjk|redis-tools) exit 1;; esac
printf installed
"""


def test_make_checks_the_packages_of_this_machine(tmp_path):
    # As an unprivileged user: the test never installs anything.
    result = make("system-packages", tmp_path=tmp_path, fake={"id": "echo 1000\n"})

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("target_groups", "missing"), [("run render", "fonts-noto-cjk"), ("run render test", "fonts-noto-cjk redis-tools")]
)
def test_make_without_root_stops_with_the_exact_command(tmp_path, target_groups, missing):
    result = make(
        "system-packages",
        f"PACKAGE_GROUPS={target_groups}",
        tmp_path=tmp_path,
        fake={"dpkg-query": DPKG_QUERY, "id": "echo 1000\n"},
    )

    assert result.returncode != 0
    assert f"Missing system packages: {missing}" in result.stdout
    assert f"    sudo apt-get update && sudo apt-get install -y --no-install-recommends {missing}\n" in result.stdout


def test_make_as_root_on_debian_installs_the_missing_packages(tmp_path):
    calls = tmp_path / "apt-get.calls"
    result = make(
        "system-packages",
        "PACKAGE_GROUPS=run render",
        tmp_path=tmp_path,
        fake={"dpkg-query": DPKG_QUERY, "id": "echo 0\n", "apt-get": f'echo "$@" >> {calls}\n'},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert calls.read_text().splitlines() == ["update -q", "install -y -q --no-install-recommends fonts-noto-cjk"]


def test_make_run_and_test_check_their_packages_first():
    dry_run = {
        target: subprocess.run(
            ["make", "--no-print-directory", "-n", target],
            cwd=BASE_DIR,
            env=standalone_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        for target in ("run", "test")
    }

    assert 'groups=" run render "' in dry_run["run"].split("\n", 1)[0]
    assert 'groups=" run render test "' in dry_run["test"].split("\n", 1)[0]
