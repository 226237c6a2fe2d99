"""Who may do what, where: the one access check of every staff endpoint, page and socket.

``require(staff, permission, location)`` answers for every staff request; nothing else
decides access. Today every active staff member works at every location and managers
manage; per-location memberships change this module only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from servicepoint.errors import Forbidden, NotSignedIn
from servicepoint.models import Location, Role, Staff


class Permission(enum.StrEnum):
    """What a staff request wants to do."""

    VIEW_QUEUE = "view_queue"  # see a location's queue, its tickets and their history
    MOVE_TICKETS = "move_tickets"  # call, start, finish, requeue, transfer, cancel
    MANAGE = "manage"  # locations, topics, desks, staff, kiosks


_ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.COUNSELOR: frozenset({Permission.VIEW_QUEUE, Permission.MOVE_TICKETS}),
    Role.MANAGER: frozenset(Permission),
}


def allowed(staff: Staff | None, permission: Permission, location: Location | None = None) -> bool:
    """Whether ``staff`` (signed in and active) may do ``permission`` at ``location``.

    ``location`` None asks about the installation as a whole (e.g. the list of staff).
    """
    if staff is None or not staff.active:
        return False
    return permission in _ROLE_PERMISSIONS.get(staff.role, frozenset())


def require(staff: Staff | None, permission: Permission, location: Location | None = None) -> Staff:
    """``staff`` if they may do ``permission`` at ``location``; NotSignedIn or Forbidden else."""
    if staff is None or not staff.active:
        raise NotSignedIn("not_signed_in")
    if not allowed(staff, permission, location):
        raise Forbidden("forbidden", permission=permission.value)
    return staff


def permissions(staff: Staff | None, location: Location | None = None) -> Iterable[Permission]:
    """Everything ``staff`` may do at ``location`` (what pages may offer)."""
    return [p for p in Permission if allowed(staff, p, location)]
