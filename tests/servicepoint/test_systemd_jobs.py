"""The jobs' systemd units run jobs the command knows, as the server's user with its
instance folder (the contacts' key lives there), on timers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicepoint.cli import main
from servicepoint.jobs import JOBS
from tests.servicepoint.test_systemd import UNITS, read_unit


@pytest.mark.parametrize("name", ["servicepoint-mail", "servicepoint-cleanup"])
def test_job_units_run_known_jobs_with_the_servers_instance(name):
    service = read_unit(f"{name}.service")["Service"]
    [exec_start] = service["ExecStart"]
    prefix = "/opt/servicepoint/venv/bin/servicepoint jobs run "
    assert exec_start.startswith(prefix)
    listed = CliRunner().invoke(main, ["jobs", "list"]).output
    known = {line.split()[0] for line in listed.splitlines()}
    assert set(exec_start[len(prefix) :].split()) <= known
    server = read_unit("servicepoint.service")["Service"]
    assert service["User"] == server["User"]
    assert service["EnvironmentFile"] == server["EnvironmentFile"]
    assert "SERVICEPOINT_INSTANCE_PATH=/var/lib/servicepoint" in " ".join(service["Environment"])
    assert service["Type"] == ["oneshot"]
    timer = read_unit(f"{name}.timer")
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    assert timer["Timer"]


def test_mail_runs_every_few_minutes_and_deletion_nightly():
    assert read_unit("servicepoint-mail.timer")["Timer"]["OnUnitActiveSec"] == ["5min"]
    often = read_unit("servicepoint-mail.service")["Service"]["ExecStart"][0].split()
    assert {"send-mail", "no-shows"} <= set(often)
    cleanup = read_unit("servicepoint-cleanup.timer")["Timer"]
    assert cleanup["OnCalendar"] == ["*-*-* 00:10:00"] and cleanup["Persistent"] == ["true"]
    nightly = read_unit("servicepoint-cleanup.service")["Service"]["ExecStart"][0].split()
    assert {"contacts", "no-shows", "cards"} <= set(nightly)
    # Missed appointments become facts before the counting, the counting before deletion.
    assert nightly.index("no-shows") < nightly.index("visits") < nightly.index("retention")


def test_every_job_runs_on_a_timer():
    """No job is only in ``jobs list``: the units' ExecStart lines name all of them."""
    prefix = "/opt/servicepoint/venv/bin/servicepoint jobs run "
    timed = set()
    for name in ("servicepoint-mail", "servicepoint-cleanup"):
        [exec_start] = read_unit(f"{name}.service")["Service"]["ExecStart"]
        timed |= set(exec_start[len(prefix) :].split())
        assert read_unit(f"{name}.timer")["Unit"]["Description"]
    assert timed == set(JOBS)


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_the_job_units_verify_and_their_command_runs(tmp_path):
    """``systemd-analyze verify`` finds nothing wrong with the job units (the program path
    pointed at this environment's ``servicepoint``), and the nightly unit's command line,
    run as written with a fresh instance folder, runs every job it names."""
    program = Path(sys.executable).with_name("servicepoint")
    assert program.exists()
    units = tmp_path / "units"
    units.mkdir()
    for name in ("servicepoint-mail", "servicepoint-cleanup"):
        for suffix in (".service", ".timer"):
            text = (UNITS / f"{name}{suffix}").read_text()
            text = text.replace("/opt/servicepoint/venv/bin/servicepoint", str(program))
            (units / f"{name}{suffix}").write_text(text)
    verified = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *sorted(str(p) for p in units.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.strip() == "", verified.stderr
    [exec_start] = read_unit("servicepoint-cleanup.service")["Service"]["ExecStart"]
    command = [str(program), *exec_start.split()[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEPOINT_")}
    env["SERVICEPOINT_INSTANCE_PATH"] = str(tmp_path / "instance")
    subprocess.run([str(program), "db", "upgrade"], env=env, check=True, timeout=120)
    ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    said = [line.split(":")[0] for line in ran.stdout.splitlines()]
    assert said == exec_start.split()[3:]
