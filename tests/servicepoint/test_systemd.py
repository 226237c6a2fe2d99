"""The systemd units start what exists and read their settings from one EnvironmentFile."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from click.testing import CliRunner

from servicepoint.cli import main

UNITS = Path(__file__).resolve().parents[2] / "systemd"


def read_unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    text = (UNITS / name).read_text().replace("\\\n", " ")
    parser.read_string(text)
    return parser


def test_server_unit_runs_serve_with_options_the_cli_has():
    unit = read_unit("servicepoint.service")
    exec_start = unit["Service"]["ExecStart"]
    assert exec_start.startswith("/opt/servicepoint/venv/bin/servicepoint serve")
    options = re.findall(r"--[a-z-]+", exec_start)
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert options and all(option in help_text for option in options)
    assert unit["Service"]["EnvironmentFile"] == "-/etc/servicepoint/servicepoint.env"
    assert unit["Service"]["Restart"] == "always"
    # Every ${VAR} the command uses has a default in Environment=.
    defaults = unit["Service"]["Environment"]
    for variable in re.findall(r"\$\{(\w+)\}", exec_start):
        assert f"{variable}=" in defaults


def test_env_example_names_only_known_settings():
    from servicepoint.config import DEFAULTS

    known = {f"SERVICEPOINT_{key}" for key in DEFAULTS} | {
        "SERVICEPOINT_HOST",
        "SERVICEPOINT_PORT",
        "SERVICEPOINT_INSTANCE_PATH",
    }
    example = (UNITS / "servicepoint.env.example").read_text()
    named = set(re.findall(r"^#?(SERVICEPOINT_\w+)=", example, flags=re.M))
    assert named and named <= known


def test_screen_unit_opens_the_configured_url_in_kiosk_mode():
    unit = read_unit("servicepoint-screen@.service")
    exec_start = unit["Service"]["ExecStart"]
    assert "--kiosk" in exec_start and "${SERVICEPOINT_SCREEN_URL}" in exec_start
    assert "--autoplay-policy=no-user-gesture-required" in exec_start
