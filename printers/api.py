"""The printing library's functions (re-exported lazily by the ``printers`` package)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from escpos import exceptions as escpos_errors
from escpos.printer import Dummy

from printers.connections import (
    DEFAULT_PROFILE,
    PrinterAddress,
    check_profile,
    close_printer,
    open_printer,
    parse_printer_uri,
    printer_status,
    send_job,
)
from printers.errors import (
    PaperOut,
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrintFailed,
)
from printers.escpos_render import render
from printers.labels import LABELS
from printers.layout import QR, Block, Cut, Feed, Text, TicketPrint, build_layout
from printers.preview import render_pdf, render_png
from printers.slips import CardPrint, Printable, SlipPrint, layout_of
from servicepoint import i18n

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


def ticket_bytes(
    ticket: Printable, profile: str = DEFAULT_PROFILE, *, image_qr: bool = False
) -> bytes:
    """Return the exact ESC/POS bytes :func:`print_ticket` sends for ``ticket`` (a
    :class:`TicketPrint`, an appointment :class:`SlipPrint` or a client :class:`CardPrint`).

    Rendered onto a python-escpos ``Dummy`` with ``profile``'s capabilities; the same
    ticket and profile always give the same bytes. Raises :class:`PrinterConfigError` for
    an unknown profile or a missing font, :class:`PrintFailed` if the layout cannot be
    rendered for this printer.
    """
    printer = Dummy(profile=check_profile(profile))
    try:
        render(layout_of(ticket), printer, image_qr=image_qr)
    except PrinterError:
        raise
    except escpos_errors.Error as exc:
        raise PrintFailed(f"the ticket cannot be rendered for {profile}: {exc}") from exc
    output: bytes = printer.output
    return output


def preview_png(ticket: Printable, width_px: int = 576) -> bytes:
    """Return a PNG preview of a ticket, slip or card (see :func:`printers.preview.render_png`)."""
    return render_png(layout_of(ticket), width_px=width_px)


def preview_pdf(ticket: Printable, width_px: int = 576) -> bytes:
    """Return a one-page PDF of a ticket, slip or card at the thermal paper's size, for an
    office printer (see :func:`printers.preview.render_pdf`)."""
    return render_pdf(layout_of(ticket), width_px=width_px)


def print_ticket(
    ticket: Printable,
    uri: str,
    profile: str = DEFAULT_PROFILE,
    *,
    image_qr: bool = False,
    check_paper: bool = False,
) -> None:
    """Print ``ticket`` on the printer at ``uri``, or raise a :class:`PrinterError` saying why.

    The ticket is rendered first, so a rendering problem never leaves half a ticket; then
    the printer is opened, sent the bytes of :func:`ticket_bytes`, and closed whatever
    happens. It returns only once the printer has taken every byte within the URI's
    ``timeout`` (see :func:`printers.connections.send_job`); a printer that accepts the
    connection but does not read is :class:`PrintFailed`, never printed. With
    ``check_paper`` the printer is asked for its paper status first and :class:`PaperOut`
    is raised when it reports an empty roll. Every library, socket and device exception
    comes out as :class:`PrinterConfigError`, :class:`PrinterOffline`, :class:`PaperOut`
    or :class:`PrintFailed` with a readable ``reason``.
    """
    address = parse_printer_uri(uri)
    data = ticket_bytes(ticket, profile, image_qr=image_qr)
    printer = open_printer(uri, profile)
    try:
        if check_paper and printer_status(printer)["paper"] == "out":
            raise PaperOut(f"printer {uri} is out of paper")
        send_job(printer, data, close_wait=address.close_wait, timeout=address.timeout)
    finally:
        close_printer(printer)


def test_ticket(
    language: str = "de",
    *,
    issued_at: datetime | None = None,
    location_name: str = "Bürgerbüro Mitte",
    code: str = "A012",
    status_url: str = "https://servicepoint.example/t/test-ticket",
) -> TicketPrint:
    """Return a sample ticket in ``language`` for ``servicepoint printers test URI``.

    It carries no real visitor's data; ``issued_at`` defaults to now in Europe/Berlin.
    """
    language = language if i18n.has_catalog(language) else "de"
    when = issued_at or datetime.now(ZoneInfo("Europe/Berlin"))
    return TicketPrint(
        location_name=location_name,
        code=code,
        topic=i18n.text(language, "ticket.sample_topic"),
        topic_de=i18n.text("de", "ticket.sample_topic"),
        language=language,
        issued_at=when,
        people_ahead=3,
        estimated_wait_minutes=15,
        status_url=status_url,
    )


test_ticket.__test__ = False  # type: ignore[attr-defined]  # not a pytest test function
