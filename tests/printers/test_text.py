"""Text fields cannot smuggle commands to a printer: only the layout's own are ever sent."""

from __future__ import annotations

import dataclasses
import json
import unicodedata

import pytest
from escpos.printer import Dummy

from printers import QR, Cut, Text, TicketPrint, preview_png, render, ticket_bytes
from printers.jobs import ticket_from_payload, ticket_to_payload
from printers.text import printable
from tests.printers.escpos_stream import Command, parse
from tests.printers.test_escpos_render import PROFILES

#: Cash drawer pulse (ESC p m t1 t2), partial cut (GS V 0), real-time request (DLE ...),
#: NUL, a C1 control and what a hostile or broken name could carry besides.
HOSTILE = [
    "Zentrum\x1bp\x00\x19\xfa",
    "A\x1dV\x00",
    "Mitte\x10\x14\x01\x00\x01",
    "Amt\x1b@\x1bt\x10\x1d!\x77",
    "Nord\r\nSüd\x0c\x0b\t",
    "Bürger\x85büro\x9b2J\x7f",
    "\u202eAusweis\u202c\u2066\u200b\ufeff",
]


def test_ordinary_text_is_left_alone():
    for text in ["Bürgerbüro Mitte", "A012", "تسجيل السكن", "Реєстрація", "ምዝገባ", "", "a  b"]:
        assert printable(text) is text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zentrum\x1bp\x00\x19\xfa", "Zentrumpú"),
        ("A\x1dV\x00", "AV"),
        ("Nord\r\nSüd", "Nord Süd"),
        ("Nord\tSüd\x0b\x0cWest", "Nord Süd West"),
        ("Line\u2028Paragraph\u2029End\x85", "Line Paragraph End "),
        ("\u202eA012\u202c", "A012"),  # right-to-left override: would print "210A"
        ("A\u200b0\u20601\ufeff2\u00ad", "A012"),  # zero-width space, word joiner, BOM, SHY
        ("\u2067A\u2069\u200e\u200f\u061c", "A"),  # isolates and direction marks
        ("A\x80\x9b\x9fB", "AB"),  # C1 controls
        ("A\ud800B", "AB"),  # a lone surrogate from JSON cannot be encoded at all
        ("A\ue000\U000f0000B", "AB"),  # private use
        ("A\U000e0041B", "AB"),  # tag characters
        ("Termin\u00a0Nr.", "Termin\u00a0Nr."),  # no-break space is text
    ],
)
def test_printable_removes_controls_and_invisible_characters(text, expected):
    assert printable(text) == expected
    assert printable(expected) == expected  # idempotent


def test_zero_width_joiners_stay_inside_persian_words_only():
    persian = "اطلاعات شخصی ذخیره نمی\u200cشود"
    assert printable(persian) == persian
    assert printable("A\u200c012\u200d") == "A012"
    assert printable("\u200cنمی") == "نمی"


def test_nothing_printable_is_a_control_character():
    every = "".join(chr(code) for code in range(0x110000))
    kept = printable(every)
    categories = {unicodedata.category(char) for char in kept}
    assert categories.isdisjoint({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
    assert {char for char in kept if unicodedata.category(char) == "Cf"} <= {"\u200c", "\u200d"}
    spaces = {char for char in kept if char.isspace()}
    assert all(unicodedata.category(char) == "Zs" for char in spaces)


def every_field(text: str) -> dict[str, str]:
    return {
        "location_name": text,
        "code": "A" + text,
        "topic": text,
        "topic_de": "Wohnsitz " + text,
        "status_url": "https://servicepoint.example/t/" + text,
    }


def hostile_and_clean(make_ticket, text: str, language: str = "de"):
    hostile = make_ticket(language, **every_field(text))
    clean = make_ticket(language, **every_field(printable(text)))
    return hostile, clean


@pytest.mark.parametrize("text", HOSTILE)
def test_ticket_fields_are_made_printable(make_ticket, text):
    ticket, _ = hostile_and_clean(make_ticket, text)

    for name, value in dataclasses.asdict(ticket).items():
        if isinstance(value, str):
            assert value == printable(value), name


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_send_only_the_layouts_own_commands(make_ticket, text, profile):
    hostile, clean = hostile_and_clean(make_ticket, text)

    stream = parse(ticket_bytes(hostile, profile), profile)  # raises on any unknown command

    expected = parse(ticket_bytes(clean, profile), profile)
    assert stream.commands == expected.commands
    assert "status" not in stream.names()  # no DLE EOT / DLE DC4 (drawer pulse)
    assert stream.names().count("cut") == expected.names().count("cut") <= 1
    assert stream.qr_stored_data() == expected.qr_stored_data()
    assert printable(text).split()[0] in stream.words  # the visible text is still there


def test_drawer_pulse_and_cut_in_a_location_name_do_not_reach_the_printer(make_ticket):
    ticket = make_ticket("de", location_name="Zentrum\x1bp\x00\x19\xfa", code="A\x1dV\x00")

    data = ticket_bytes(ticket)
    stream = parse(data)

    assert b"\x1bp" not in data  # ESC p: cash drawer pulse
    assert data.count(b"\x1dV") == 1  # GS V: the ticket's own cut, at the end
    assert stream.commands[-1] == Command("cut", b"\x00")
    assert "Zentrump" in stream.words and "AV" in stream.words


@pytest.mark.parametrize("text", HOSTILE)
def test_image_text_is_drawn_as_if_the_controls_were_not_there(make_ticket, text):
    # Arabic goes to the printer as raster images: the override must not reorder it.
    topic = "تسجيل" + text + " السكن"
    hostile = make_ticket("ar", topic=topic, location_name=text)
    clean = make_ticket("ar", topic=printable(topic), location_name=printable(text))

    assert ticket_bytes(hostile) == ticket_bytes(clean)
    assert ticket_bytes(hostile, image_qr=True) == ticket_bytes(clean, image_qr=True)
    assert preview_png(hostile) == preview_png(clean)


def test_a_payload_from_json_is_made_printable(make_ticket):
    payload = ticket_to_payload(make_ticket("de"))
    payload.update(every_field("Zentrum\x1bp\x00\x19\xfa"), language="de\x00\x1b")
    wire = json.dumps(payload)  # as the print agent receives it: \u001b escapes
    assert "\\u001b" in wire

    ticket = ticket_from_payload(json.loads(wire))

    assert ticket.location_name == "Zentrumpú" and ticket.code == "AZentrumpú"
    assert ticket.language == "de"
    stream = parse(ticket_bytes(ticket))
    assert stream.qr_stored_data() == [b"https://servicepoint.example/t/Zentrump\xc3\xba"]


def test_a_code_that_is_only_control_characters_is_refused(make_ticket):
    with pytest.raises(ValueError, match="code must not be empty"):
        make_ticket("de", code="\x1b\x1d\x00\x10\u202e")


def test_layout_blocks_built_by_hand_are_made_printable_too():
    printer = Dummy(profile="TM-T20II")
    render([Text("Kasse\x1bp\x00\x19\xfa\x1dV\x01", size=2), QR("x\x00y"), Cut()], printer)

    stream = parse(printer.output)

    assert stream.names().count("cut") == 1
    assert "Kassep" in stream.words
    assert stream.qr_stored_data() == [b"xy"]
    assert Text("\u202eabc").text == "abc"


def test_ticket_print_keeps_validating_the_cleaned_fields(make_ticket):
    ticket = make_ticket("de", status_url="https://servicepoint.example/t/\x1b[31m")

    assert isinstance(ticket, TicketPrint)
    assert ticket.status_url == "https://servicepoint.example/t/[31m"
