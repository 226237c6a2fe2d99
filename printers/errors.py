"""The one exception hierarchy of the printing library.

Every failure that leaves :mod:`printers` is a :class:`PrinterError` whose ``reason`` is a
sentence a counselor or an operator can act on ("printer at tcp://10.0.4.7:9100 is not
reachable: [Errno 111] Connection refused"). Library and socket exceptions are chained as
``__cause__`` for the logs, never shown to a visitor.
"""

from __future__ import annotations


class PrinterError(Exception):
    """Base class: something kept a ticket from being printed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class PrinterConfigError(PrinterError):
    """The setup is wrong: a bad printer URI, an unknown profile, a missing font or driver."""


class PrinterOffline(PrinterError):
    """The printer cannot be reached: connection refused, device absent, timed out on connect."""


class PaperOut(PrinterError):
    """The printer reported that its paper roll is empty."""


class PrintFailed(PrinterError):
    """The printer was reached but the job did not get through (dropped connection, I/O error)."""


def printer_state(error: PrinterError) -> str:
    """The printer state an error stands for, as servers and screens show it."""
    if isinstance(error, PaperOut):
        return "paper_out"
    if isinstance(error, PrinterOffline):
        return "offline"
    return "error"
