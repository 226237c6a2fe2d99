"""Who may do what, where: the one access check of every staff endpoint, page and socket.

``require(staff, permission, location)`` answers for every staff request; nothing else
decides access. An admin may do everything everywhere. Other staff act where they are
members (``Membership``): a counselor sees the location's queue and moves its tickets, a
manager also manages the location and sees its statistics in full. A ``reporting`` staff
member sees only the statistics of every location, small numbers hidden. ``location`` None
asks about the installation: managing it (new locations, organisations, admins) is the
admins' alone; viewing and managing "somewhere" is allowed to whoever may do so at one
location at least.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from servicepoint.errors import AdminsOnly, Forbidden, NotFound, NotManager, NotMember, NotSignedIn
from servicepoint.models import Location, Role, Staff


class Permission(enum.StrEnum):
    """What a staff request wants to do."""

    VIEW_QUEUE = "view_queue"  # see a location's queue, its tickets and their history
    MOVE_TICKETS = "move_tickets"  # call, start, finish, requeue, transfer, cancel
    MANAGE = "manage"  # a location's topics, desks, sessions, kiosks, its staff's memberships
    ADMINISTER = "administer"  # locations, organisations, admins: the installation itself
    VIEW_STATS = "view_stats"  # the statistics, small numbers hidden (the reporting role)
    VIEW_STATS_DETAIL = "view_stats_detail"  # ... all of them, with counselors (managers)


# The reporting role (a staff role, not a membership): the statistics of every location.
REPORTING_PERMISSIONS = frozenset({Permission.VIEW_STATS})
_ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.COUNSELOR: frozenset({Permission.VIEW_QUEUE, Permission.MOVE_TICKETS}),
    Role.MANAGER: frozenset(Permission) - {Permission.ADMINISTER},
}


def allowed(staff: Staff | None, permission: Permission, location: Location | None = None) -> bool:
    """Whether ``staff`` (signed in and active) may do ``permission`` at ``location``.

    ``location`` None asks about the installation as a whole (e.g. the list of staff).
    """
    if staff is None or not staff.active:
        return False
    if staff.is_admin:
        return True
    if staff.role == Role.REPORTING:
        return permission in REPORTING_PERMISSIONS
    if location is None:
        return permission != Permission.ADMINISTER and any(
            permission in _ROLE_PERMISSIONS.get(m.role, frozenset()) for m in staff.memberships
        )
    membership = staff.membership(location.id)
    return membership is not None and permission in _ROLE_PERMISSIONS.get(
        membership.role, frozenset()
    )


def require(staff: Staff | None, permission: Permission, location: Location | None = None) -> Staff:
    """``staff`` if they may do ``permission`` at ``location``; NotSignedIn or Forbidden else."""
    if staff is None or not staff.active:
        raise NotSignedIn("not_signed_in")
    if not allowed(staff, permission, location):
        if location is not None and staff.membership(location.id) is None:
            raise NotMember("not_member", permission=permission.value, location=location.name)
        if permission == Permission.ADMINISTER:
            raise AdminsOnly("admins_only")
        if location is not None and permission == Permission.MANAGE:
            raise NotManager("not_manager", location=location.name)
        raise Forbidden("forbidden", permission=permission.value)
    return staff


def permissions(staff: Staff | None, location: Location | None = None) -> Iterable[Permission]:
    """Everything ``staff`` may do at ``location`` (what pages may offer)."""
    return [p for p in Permission if allowed(staff, p, location)]


# --- managing staff: who may see and change whose memberships ----------------------------


def managed_location_ids(staff: Staff) -> frozenset[int] | None:
    """The locations whose staff ``staff`` manages: None for an admin (all of them), else
    those where they are the manager."""
    if staff.is_admin:
        return None
    return frozenset(m.location_id for m in staff.memberships if m.role == Role.MANAGER)


def may_see_staff(acting: Staff, other: Staff) -> bool:
    """Whether ``acting`` sees ``other`` in the staff list: admins see everyone, a location's
    manager those with a membership at a location they manage."""
    scope = managed_location_ids(acting)
    return scope is None or any(m.location_id in scope for m in other.memberships)


def require_manages_staff(acting: Staff, other: Staff) -> None:
    """Refuse unless ``acting`` may change ``other``'s account: NotFound for someone they do
    not see (nothing is told about them), Forbidden for an admin (only admins change admins).
    Oneself is always in view (a manager may reset their own password)."""
    if acting.is_admin:
        return
    if other.id != acting.id and not may_see_staff(acting, other):
        raise NotFound("no_staff", id=other.id)
    if other.is_admin:
        raise AdminsOnly("admin_account", name=other.display_name)


def require_manages_account(acting: Staff, other: Staff, field: str) -> None:
    """Refuse a change of ``other``'s whole account (password, active, name, organisation)
    by a manager who does not manage every location ``other`` works at: whoever holds the
    account acts at all of them (403 ``not_manager`` naming one they do not manage).
    Admins, and everyone for their own account, may."""
    scope = managed_location_ids(acting)
    if scope is None or other.id == acting.id:
        return
    for membership in other.memberships:
        if membership.location_id not in scope:
            raise NotManager("not_manager", field=field, location=membership.location.name)


def require_manages(acting: Staff, location: Location, field: str | None = None) -> None:
    """Refuse (403 naming the location) a membership at ``location`` given or changed by
    someone who does not manage it."""
    scope = managed_location_ids(acting)
    if scope is not None and location.id not in scope:
        raise NotManager("not_manager", field=field, location=location.name)
