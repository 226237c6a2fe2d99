"""Staff roles (a module of its own: the command line names them without loading the models)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    COUNSELOR = "counselor"
    MANAGER = "manager"
