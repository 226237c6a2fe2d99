"""Fixtures for the printing library: sample tickets and a fake network printer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from printers import TicketPrint, test_ticket
from printers.fonts import clear_caches
from tests.printers.fake_printer import FakePrinter

BERLIN = ZoneInfo("Europe/Berlin")
ISSUED_AT = datetime(2025, 11, 21, 15, 2, tzinfo=BERLIN)
STATUS_URL = "https://servicepoint.example/t/4f9a2c7e-b1d0"


@pytest.fixture
def make_ticket() -> Callable[..., TicketPrint]:
    """Return a factory: ``make_ticket("ar", people_ahead=0)`` gives a sample ticket."""

    def make(language: str = "de", **changes: object) -> TicketPrint:
        ticket = test_ticket(language, issued_at=ISSUED_AT, status_url=STATUS_URL)
        return TicketPrint(**{**ticket.__dict__, **changes})

    return make


@pytest.fixture
def fake_printer() -> Iterator[Callable[..., FakePrinter]]:
    """Return a factory of fake network printers; every one is stopped after the test."""
    started: list[FakePrinter] = []

    def start(*args: object, **kwargs: object) -> FakePrinter:
        printer = FakePrinter(*args, **kwargs)  # type: ignore[arg-type]
        started.append(printer)
        return printer

    yield start
    for printer in started:
        printer.stop()


@pytest.fixture
def fresh_fonts() -> Iterator[None]:
    """Forget cached fonts before and after a test that moves the font directories."""
    clear_caches()
    yield
    clear_caches()
