"""The layer rules of the design: who may import whom."""

from __future__ import annotations

import ast
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


def test_printers_run_without_flask_or_the_server():
    for module, names in imported_packages("printers").items():
        assert not names & {"flask", "flask_socketio", "sqlalchemy", "servicepoint", *SURFACES}, (
            module
        )


def test_the_core_imports_no_surface():
    for module, names in imported_packages("servicepoint").items():
        if module.endswith("__init__.py"):
            continue  # the app factory registers the surfaces
        assert not names & SURFACES, f"{module} imports a surface"
