"""The layer rules of the design: who may import whom."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SURFACES = {"kiosk", "display", "admin"}


def imported_packages(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` → the top-level packages it imports (anywhere in it)."""
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_a_surface_imports_no_other_surface_and_no_printer_code(surface):
    for module, names in imported_packages(surface).items():
        assert not names & (SURFACES - {surface}), f"{module} imports another surface"
        assert "printers" not in names, f"{module} bypasses servicepoint.printing"


def imported_modules(path: Path) -> set[str]:
    """The full dotted names ``path`` imports: ``from a import b`` counts as ``a.b``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "servicepoint":
                names |= {f"servicepoint.{alias.name}" for alias in node.names}
            else:
                names.add(node.module)
    return names


#: The one part of the server printers may use: the language catalog (pure Python).
PRINTERS_MAY_IMPORT = {"servicepoint.i18n"}


def test_printers_run_without_flask_or_the_server():
    for module, names in imported_packages("printers").items():
        assert not names & {"flask", "flask_socketio", "sqlalchemy", *SURFACES}, module
    for path in (ROOT / "printers").rglob("*.py"):
        server = {n for n in imported_modules(path) if n.split(".")[0] == "servicepoint"}
        assert server <= PRINTERS_MAY_IMPORT, f"{path.relative_to(ROOT)} imports {server}"


def test_the_catalog_is_pure_python():
    for path in (ROOT / "servicepoint" / "i18n").rglob("*.py"):
        if path.name == "flask.py":  # the Jinja and route glue, used by the server only
            continue
        names = imported_modules(path)
        tops = {name.split(".")[0] for name in names}
        assert not tops & {"flask", "flask_socketio", "sqlalchemy", "printers", *SURFACES}, path
        assert {n for n in names if n.startswith("servicepoint")} <= {"servicepoint.i18n"}, path


def test_importing_printers_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, printers, printers.agent\n"
        "heavy = ('flask', 'flask_socketio', 'sqlalchemy')\n"
        "loaded = sorted(m for m in heavy if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"import printers loaded {result.stdout.strip()}"


def test_the_core_imports_no_surface():
    for module, names in imported_packages("servicepoint").items():
        if module.endswith("__init__.py"):
            continue  # the app factory registers the surfaces
        assert not names & SURFACES, f"{module} imports a surface"


# The core's web glue; everything else in servicepoint/ is plain domain code on a Session.
WEB_MODULES = {
    "servicepoint/__init__.py",  # the app factory (imports Flask inside create_app)
    "servicepoint/web.py",
    "servicepoint/security.py",
    "servicepoint/public.py",  # the public half: its prefix, host split and middleware
    "servicepoint/pages.py",
    "servicepoint/realtime.py",
    "servicepoint/fanout.py",  # Socket.IO's client manager between processes (Redis)
    "servicepoint/cli.py",
    "servicepoint/server.py",
    "servicepoint/i18n/flask.py",
}


def test_the_domain_knows_no_flask():
    """Domain verbs, payloads, events and access run without a request: the CLI, jobs and
    tests call them as they are."""
    for module, names in imported_packages("servicepoint").items():
        if module in WEB_MODULES:
            continue
        assert not names & {"flask", "flask_socketio", "werkzeug.wrappers"}, (
            f"{module} imports Flask"
        )
