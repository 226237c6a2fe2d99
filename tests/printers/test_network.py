"""Printing to a real TCP server on 127.0.0.1 that stands in for a network printer."""

from __future__ import annotations

import socket

import pytest
from escpos.printer import Dummy

from printers import (
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrintFailed,
    open_printer,
    print_ticket,
    printer_status,
    ticket_bytes,
)
from printers.connections import close_printer, send_job
from tests.printers.fake_printer import HEALTHY, PAPER_OUT


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_network_printer_receives_exactly_the_ticket_bytes(make_ticket, fake_printer):
    printer = fake_printer("record")
    ticket = make_ticket("ar")

    print_ticket(ticket, printer.uri(timeout=5))
    printer.stop()

    assert printer.connections == 1
    assert bytes(printer.received) == ticket_bytes(ticket)


def test_profile_is_passed_through_to_the_bytes(make_ticket, fake_printer):
    printer = fake_printer("record")
    ticket = make_ticket("uk")

    print_ticket(ticket, printer.uri(timeout=5), profile="TM-T88IV-SA")
    printer.stop()

    assert bytes(printer.received) == ticket_bytes(ticket, "TM-T88IV-SA")
    assert bytes(printer.received) != ticket_bytes(ticket, "TM-T20II")


def test_refused_connection_is_printer_offline_with_the_reason(make_ticket):
    uri = f"tcp://127.0.0.1:{closed_port()}?timeout=2"

    with pytest.raises(PrinterOffline) as raised:
        print_ticket(make_ticket(), uri)

    assert uri in raised.value.reason
    assert "refused" in raised.value.reason.lower()


def test_printer_dropping_the_connection_mid_job_fails_the_print(make_ticket, fake_printer):
    printer = fake_printer("drop", drop_after=64)

    with pytest.raises((PrintFailed, PrinterOffline)) as raised:
        print_ticket(make_ticket("fa"), printer.uri(timeout=2))

    assert raised.value.reason
    assert 0 < len(printer.received) <= 64


def test_printer_that_never_reads_cannot_hang_the_sender(fake_printer):
    printer = fake_printer("silent")
    connection = open_printer(printer.uri(timeout=1))

    try:
        with pytest.raises(PrintFailed, match="timed out"):
            # far more than the socket buffers hold: sendall must block, then time out
            send_job(connection, b"\x00" * (64 * 1024 * 1024), close_wait=1)
    finally:
        close_printer(connection)


def test_status_of_a_healthy_printer(fake_printer):
    printer = fake_printer("record", status=HEALTHY)
    connection = open_printer(printer.uri(timeout=2))

    try:
        assert printer_status(connection) == {"online": "online", "paper": "ok"}
    finally:
        close_printer(connection)


def test_paper_out_is_reported_and_stops_the_print(make_ticket, fake_printer):
    printer = fake_printer("record", status=PAPER_OUT)

    with pytest.raises(PaperOut, match="out of paper"):
        print_ticket(make_ticket(), printer.uri(timeout=2), check_paper=True)
    printer.stop()

    assert b"\x1b@" not in printer.received  # the ticket itself was never sent


def test_status_is_unknown_when_the_printer_does_not_answer(fake_printer):
    printer = fake_printer("record")  # answers no status query
    connection = open_printer(printer.uri(timeout=2))

    try:
        assert printer_status(connection) == {"online": "unknown", "paper": "unknown"}
    finally:
        close_printer(connection)


def test_status_of_a_connection_that_cannot_tell_is_unknown():
    assert printer_status(Dummy()) == {"online": "unknown", "paper": "unknown"}


def test_every_failure_is_a_printer_error(make_ticket):
    for exc_type in (PaperOut, PrintFailed, PrinterOffline):
        assert issubclass(exc_type, PrinterError)
    with pytest.raises(PrinterError):
        print_ticket(make_ticket(), f"tcp://127.0.0.1:{closed_port()}?timeout=1")
