"""Ticket printing: a ticket in, ESC/POS bytes on a thermal printer out. No Flask here.

Appointment slips (:class:`SlipPrint`) and client cards (:class:`CardPrint`) print the same
way: every function below that takes a ticket takes them too.

The server builds a :class:`TicketPrint` from an issued ticket and calls
:func:`print_ticket` with the kiosk's printer URI, or :func:`ticket_bytes` to hand the bytes
to a print agent. :func:`render_png` draws the same ticket for the web UI.

The names below live in ``printers.api`` and load on first use: importing the package (the
server's core reads ``printers.layout`` and ``printers.jobs``) does not load python-escpos,
Pillow or the fonts, which a server process that never prints a ticket itself does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from printers.api import (
        DEFAULT_PROFILE,
        LABELS,
        QR,
        Block,
        CardPrint,
        Cut,
        Feed,
        PaperOut,
        Printable,
        PrinterAddress,
        PrinterConfigError,
        PrinterError,
        PrinterOffline,
        PrintFailed,
        SlipPrint,
        Text,
        TicketPrint,
        build_layout,
        open_printer,
        parse_printer_uri,
        preview_pdf,
        preview_png,
        print_ticket,
        printer_status,
        render,
        render_png,
        test_ticket,
        ticket_bytes,
    )

__all__ = [
    "DEFAULT_PROFILE",
    "LABELS",
    "QR",
    "Block",
    "CardPrint",
    "Cut",
    "Feed",
    "PaperOut",
    "PrintFailed",
    "Printable",
    "PrinterAddress",
    "PrinterConfigError",
    "PrinterError",
    "PrinterOffline",
    "SlipPrint",
    "Text",
    "TicketPrint",
    "build_layout",
    "open_printer",
    "parse_printer_uri",
    "preview_pdf",
    "preview_png",
    "print_ticket",
    "printer_status",
    "render",
    "render_png",
    "test_ticket",
    "ticket_bytes",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("printers.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'printers' has no attribute {name!r}")
