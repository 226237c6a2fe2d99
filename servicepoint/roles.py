"""Staff roles (a module of its own: the command line names them without loading the models).

A staff member is an ``admin`` (manages everything, everywhere), ``reporting`` (sees only the
statistics, small numbers hidden, of every location) or plain ``staff``; what plain
staff may do depends on their memberships, each a location with a ``counselor`` or ``manager``
role there (``servicepoint.access``).
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """The role of a staff member (ADMIN, STAFF) or of a membership (COUNSELOR, MANAGER)."""

    ADMIN = "admin"
    STAFF = "staff"
    COUNSELOR = "counselor"
    MANAGER = "manager"
    # A staff member who sees only the statistics of every location, small numbers hidden
    # (funders, coordinators): no queue, no memberships.
    REPORTING = "reporting"


STAFF_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.REPORTING})
MEMBERSHIP_ROLES = frozenset({Role.COUNSELOR, Role.MANAGER})
