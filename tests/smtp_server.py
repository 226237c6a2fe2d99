"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests: what arrives, parsed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.waiting import wait_until


class Inbox:
    """Collects every message the server receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """The first ``count`` messages, once that many arrived (bounded)."""
        wait_until(lambda: len(self.messages) >= count, timeout, f"{count} mail(s) arrived")
        with self._lock:
            return list(self.messages[:count])


class SmtpServer:
    def __init__(self, controller: Controller, inbox: Inbox) -> None:
        self.controller = controller
        self.inbox = inbox
        self.host = "127.0.0.1"
        self.port = int(controller.port)

    def settings(self) -> dict[str, object]:
        """The app settings that send to this server."""
        return {
            "SMTP_HOST": self.host,
            "SMTP_PORT": self.port,
            "SMTP_FROM": "termine@sp.example.org",
            "SMTP_TIMEOUT": 5.0,
        }


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on a free port of 127.0.0.1, stopped when the block ends."""
    from tests.conftest import free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(controller, inbox)
    finally:
        controller.stop()
