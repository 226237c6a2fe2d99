"""The systemd units start what exists and read their settings from one EnvironmentFile."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from servicepoint.cli import main

UNITS = Path(__file__).resolve().parents[2] / "systemd"


def read_unit(name: str) -> dict[str, dict[str, list[str]]]:
    """Sections → keys → values; systemd allows a key more than once (e.g. Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_server_unit_runs_serve_with_options_the_cli_has():
    service = read_unit("servicepoint.service")["Service"]
    [exec_start] = service["ExecStart"]
    assert exec_start.startswith("/opt/servicepoint/venv/bin/servicepoint serve")
    options = re.findall(r"--[a-z-]+", exec_start)
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert options and all(option in help_text for option in options)
    assert service["EnvironmentFile"] == ["-/etc/servicepoint/servicepoint.env"]
    assert service["Restart"] == ["always"]
    # Room for serve's default number of connections, one descriptor each.
    [limit] = service["LimitNOFILE"]
    assert int(limit) > 10000
    # Every ${VAR} the command uses has a default in Environment=.
    defaults = " ".join(service["Environment"])
    for variable in re.findall(r"\$\{(\w+)\}", exec_start):
        assert f"{variable}=" in defaults


def test_env_example_names_only_known_settings():
    from servicepoint.config import DEFAULTS

    known = {f"SERVICEPOINT_{key}" for key in DEFAULTS} | {
        "SERVICEPOINT_HOST",
        "SERVICEPOINT_PORT",
        "SERVICEPOINT_INSTANCE_PATH",
        "SERVICEPOINT_WORKER",
        "SERVICEPOINT_CONNECTIONS",
    }
    example = (UNITS / "servicepoint.env.example").read_text()
    named = set(re.findall(r"^#?(SERVICEPOINT_\w+)=", example, flags=re.M))
    assert named and named <= known


def test_screen_unit_opens_the_configured_url_in_kiosk_mode():
    [exec_start] = read_unit("servicepoint-screen@.service")["Service"]["ExecStart"]
    assert "--kiosk" in exec_start and "${SERVICEPOINT_SCREEN_URL}" in exec_start
    assert "--autoplay-policy=no-user-gesture-required" in exec_start


def test_print_agent_unit_runs_the_agent_with_options_the_agent_has():
    from printers.agent import main as print_agent

    service = read_unit("servicepoint-print-agent.service")["Service"]
    [exec_start] = service["ExecStart"]
    # The agent's own command: it loads neither Flask nor the database code.
    assert exec_start.startswith("/opt/servicepoint/venv/bin/servicepoint-print-agent ")
    help_text = CliRunner().invoke(print_agent, ["--help"]).output
    assert all(option in help_text for option in re.findall(r"--[a-z-]+", exec_start))
    # The token comes from the environment file, never from the command line (ps shows it).
    assert "SERVICEPOINT_KIOSK_TOKEN" in help_text and "--kiosk" not in exec_start
    assert service["StateDirectory"] == ["servicepoint-print-agent"]
