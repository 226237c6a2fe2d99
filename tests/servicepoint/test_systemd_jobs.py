"""The jobs' systemd units run jobs the command knows, as the server's user with its
instance folder (the contacts' key lives there), on timers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from servicepoint.cli import main
from tests.servicepoint.test_systemd import read_unit


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
