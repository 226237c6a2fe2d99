"""The display tests' own fixtures: a real SMTP server for the booking mails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp_server import SmtpServer, running_smtp_server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on a free port of 127.0.0.1 (``tests.smtp_server``)."""
    with running_smtp_server() as server:
        yield server
