"""The staff members most staff tests need: a counselor ("berater") and a manager ("leitung")."""

from __future__ import annotations

import pytest

from servicepoint.models import Role, Staff


@pytest.fixture
def counselor(factory) -> Staff:
    return factory.staff()


@pytest.fixture
def manager(factory) -> Staff:
    return factory.staff("leitung", role=Role.MANAGER)
