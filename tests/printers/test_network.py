"""Printing to a real TCP server on 127.0.0.1 that stands in for a network printer."""

from __future__ import annotations

import socket
import time

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
from printers.errors import printer_state
from tests.printers.fake_printer import HEALTHY, PAPER_OUT, SMALL_RCVBUF


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
    printer = fake_printer("silent", rcvbuf=SMALL_RCVBUF)
    connection = open_printer(printer.uri(timeout=1))
    started = time.monotonic()

    try:
        with pytest.raises(PrintFailed, match=r"did not take the ticket within 1 s"):
            # far more than the socket buffers hold: sending itself must stop at the timeout
            send_job(connection, b"\x00" * (16 * 1024 * 1024), close_wait=1)
    finally:
        close_printer(connection)

    assert time.monotonic() - started < 3


def test_printer_that_accepts_but_never_reads_does_not_count_as_printed(make_ticket, fake_printer):
    # The whole ticket fits the sender's buffers, so every write succeeds at once; only the
    # printer never acknowledging the bytes shows that nothing was printed.
    printer = fake_printer("silent", rcvbuf=SMALL_RCVBUF)
    ticket = make_ticket("ar")  # about 17 kB: five image paragraphs
    started = time.monotonic()

    with pytest.raises(PrintFailed) as raised:
        print_ticket(ticket, printer.uri(timeout=1, wait=1))

    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 3
    reason = raised.value.reason
    assert reason.startswith("the printer did not take the ticket within 1 s")
    assert f"of {len(ticket_bytes(ticket))} bytes taken" in reason
    assert printer_state(raised.value) == "error"  # what the runner and the agent record


def test_a_ticket_that_was_not_taken_does_not_print_later(make_ticket, fake_printer):
    printer = fake_printer("silent", rcvbuf=SMALL_RCVBUF)
    ticket = make_ticket("fa")

    with pytest.raises(PrintFailed, match="did not take the ticket"):
        print_ticket(ticket, printer.uri(timeout=1))
    printer.resume()  # the printer starts reading again (paper changed, cover closed)
    assert printer.finished.wait(5)

    # the connection was reset: the printer gets at most what its buffer held, not the rest
    assert printer.reset
    assert len(printer.received) < len(ticket_bytes(ticket)) // 2


def test_slow_printer_that_keeps_reading_gets_the_whole_ticket(make_ticket, fake_printer):
    printer = fake_printer("record", rcvbuf=SMALL_RCVBUF, read_size=1024, read_delay=0.005)
    ticket = make_ticket("ar")

    print_ticket(ticket, printer.uri(timeout=5))
    printer.stop()

    assert bytes(printer.received) == ticket_bytes(ticket)


def test_printer_that_reads_everything_but_keeps_the_connection_open_has_printed(
    make_ticket, fake_printer
):
    printer = fake_printer("hold", rcvbuf=SMALL_RCVBUF)
    ticket = make_ticket("ar")
    started = time.monotonic()

    print_ticket(ticket, printer.uri(timeout=2, wait=0.3))

    assert time.monotonic() - started < 1.5  # acknowledged at once, then `wait` for a close
    printer.stop()
    assert bytes(printer.received) == ticket_bytes(ticket)


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
