"""The print agent stands alone: a kiosk machine runs it without the server's Flask, Socket.IO
server or database code."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("flask", "flask_socketio", "sqlalchemy")


def test_importing_the_agent_loads_no_server_code():
    code = (
        "import sys, printers.agent\n"
        f"loaded = [name for name in {SERVER_ONLY!r} if name in sys.modules]\n"
        "assert not loaded, f'importing printers.agent loaded {loaded}'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_installed_command_answers_without_loading_server_code(tmp_path):
    command = Path(sysconfig.get_path("scripts")) / "servicepoint-print-agent"
    assert command.exists(), "servicepoint-print-agent is not installed (make setup)"
    result = subprocess.run(
        [str(command), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "--server" in result.stdout and "SERVICEPOINT_KIOSK_TOKEN" in result.stdout
    # The same script once more, in a process that then lists what it has loaded.
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{str(command)!r}, '--help']\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        f"loaded = [name for name in {SERVER_ONLY!r} if name in sys.modules]\n"
        "assert not loaded, f'servicepoint-print-agent loaded {loaded}'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_servicepoint_print_agent_is_the_same_command():
    from printers.agent import main as print_agent
    from servicepoint.cli import main

    through_server = CliRunner().invoke(main, ["print-agent", "--help"])
    alone = CliRunner().invoke(print_agent, ["--help"])
    assert through_server.exit_code == alone.exit_code == 0
    options = [line.split()[0] for line in alone.output.splitlines() if line.startswith("  --")]
    assert options and all(option in through_server.output for option in options)


def test_a_bad_printer_uri_is_refused_before_connecting():
    from printers.agent import main as print_agent

    result = CliRunner().invoke(
        print_agent, ["--server", "http://127.0.0.1:9", "--kiosk", "t", "--printer", "nope://x"]
    )
    assert result.exit_code == 1
    assert "bad printer URI" in result.output
