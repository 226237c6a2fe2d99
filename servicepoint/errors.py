"""The domain's refusals: one hierarchy, one body shape, messages from the language catalog.

A refusal names *what* went wrong by a message key and its parameters, never by an English
sentence: ``InvalidInput("too_long", field="name", max=200)``. The web layer answers
``{"error": code, "message": text, "field": name?}`` with the text from the catalog in the
language the client asked for (``Accept-Language``), so a German page shows a German
sentence and an integrator reads English. ``field`` names the input at fault. Nothing is
changed by a refused request: the unit of work rolls back.
"""

from __future__ import annotations

from typing import Any


class ServicepointError(Exception):
    """Base of every refusal; ``status`` is the HTTP status, ``code`` the machine-readable kind.

    ``key`` chooses the message (``error.<key>`` in the catalog; the code when omitted);
    ``params`` fill it in; ``terms`` are parameters that are catalog keys themselves (a
    ticket's state, a move), translated before they are filled in.
    """

    status = 400
    code = "bad_request"

    def __init__(
        self,
        key: str | None = None,
        /,
        *,
        field: str | None = None,
        terms: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.key = key or self.code
        self.field = field
        # Machine-readable facts added to the body (e.g. a closed topic's ``next_open``).
        self.details = details or {}
        self.params = params
        self.terms = terms or {}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message in English (logs, the CLI, integrators that ask for no language)."""
        return self.message_in("en")

    def message_in(self, language: str) -> str:
        """The message in ``language`` (falling back string by string to English, German)."""
        from servicepoint.i18n import text

        values = {name: text(language, key) for name, key in self.terms.items()}
        return text(language, f"error.{self.key}", field=self.field, **self.params, **values)

    def body(self, language: str = "en") -> dict[str, Any]:
        """The JSON body of this refusal."""
        body: dict[str, Any] = {"error": self.code, "message": self.message_in(language)}
        if self.field is not None:
            body["field"] = self.field
        return {**self.details, **body}


class InvalidInput(ServicepointError):
    """The request itself is malformed or a value is not acceptable."""

    status = 400
    code = "invalid"


class NotSignedIn(ServicepointError):
    status = 401
    code = "not_signed_in"


class Forbidden(ServicepointError):
    status = 403
    code = "forbidden"


class NotMember(Forbidden):
    """The staff member does not work at the location they act at (the message names it)."""

    code = "not_member"


class NotManager(Forbidden):
    """Staff and memberships of a location the acting staff member does not manage."""

    code = "not_manager"


class AdminsOnly(Forbidden):
    """What only admins may do: the installation (locations, organisations) and admins."""

    code = "admins_only"


class TopicNotServed(Forbidden):
    """A counselor called a ticket of a topic they do not serve at that location."""

    code = "topic_not_served"


class CrossSite(Forbidden):
    """A write sent by a page of another site with a staff member's cookie."""

    code = "cross_site"


class NotFound(ServicepointError):
    status = 404
    code = "not_found"


class Conflict(ServicepointError):
    """The request is well formed but clashes with the current state."""

    status = 409
    code = "conflict"


class Duplicate(Conflict):
    """A name, key or prefix that must be unique is taken."""

    code = "duplicate"


class QueueError(Conflict):
    """An illegal move in the queue."""

    code = "conflict"


class TicketNotWaiting(QueueError):
    code = "ticket_not_waiting"


class IllegalTransition(QueueError):
    code = "illegal_transition"


class NothingToCall(QueueError):
    code = "nothing_to_call"


class DeskBusy(QueueError):
    code = "desk_busy"


class TopicClosed(QueueError):
    code = "topic_closed"


class DeskTaken(Conflict):
    """Someone else sits at the desk: only they call to it (``servicepoint.desks``)."""

    code = "desk_taken"


class UnknownKiosk(NotFound):
    """A kiosk token that is unknown, switched off or belongs to another location."""

    code = "unknown_kiosk"


class TooManyAttempts(ServicepointError):
    status = 429
    code = "too_many_attempts"


class Unavailable(ServicepointError):
    """The database (or another service the request needs) cannot answer now; retry."""

    status = 503
    code = "unavailable"
