"""The domain's refusals. The API turns each into a 4xx with its message; nothing is changed."""

from __future__ import annotations


class ServicepointError(Exception):
    """Base of every refusal; ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServicepointError):
    status = 404
    code = "not_found"


class InvalidInput(ServicepointError):
    status = 400
    code = "invalid"


class QueueError(ServicepointError):
    """An illegal move in the queue."""

    status = 409
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
