"""Appointment slips and client cards: the bytes a printer gets, the PNG and PDF previews."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image

from printers import CardPrint, SlipPrint, preview_pdf, preview_png, ticket_bytes
from printers import raster as raster_module
from printers.agent import job_key
from printers.jobs import payload_of, printable_from_payload, ticket_to_payload
from printers.slips import build_card_layout, build_slip_layout, group_card_code
from tests.printers.escpos_stream import Raster, parse

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 12, 8, 10, 30, tzinfo=BERLIN)  # a Tuesday
URL = "https://servicepoint.example/t/a/Q2x1c3RlcjQy"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"


def slip(language: str = "de", **changes: object) -> SlipPrint:
    values: dict[str, object] = {
        "location_name": "Bürgerbüro Mitte",
        "location_address": "Hauptstraße 1, 51373 Leverkusen",
        "start": START,
        "code": "482913",
        "topic": {"de": "Wohnsitz anmelden", "ar": "تسجيل السكن"}.get(language, "Registration"),
        "topic_de": "Wohnsitz anmelden",
        "with_name": "Frau Yılmaz",
        "language": language,
        "url": URL,
    }
    return SlipPrint(**{**values, **changes})  # type: ignore[arg-type]


def card(language: str = "de", **changes: object) -> CardPrint:
    values: dict[str, object] = {
        "code": "K7P2M9QX4",
        "counselor": "Frau Yılmaz",
        "organisation": "Caritas Leverkusen",
        "location_name": "Bürgerbüro Mitte",
        "language": language,
    }
    return CardPrint(**{**values, **changes})  # type: ignore[arg-type]


def decode(raster: Raster) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(raster.image(margin=32))]


def shaped(text: str, *, size: int, bold: bool, language: str) -> Image.Image:
    """A paragraph as the renderer draws it for an 80 mm printer (black on white)."""
    drawn = raster_module.text_image(
        text,
        size_px=raster_module.BASE_PX * size,
        width=576,
        bold=bold,
        rtl=True,
        language=language,
    )
    return raster_module.to_bitmap(drawn).convert("L")


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.tobytes() == b.tobytes()


def test_german_slip_prints_date_time_place_code_and_the_pages_qr_as_text():
    stream = parse(ticket_bytes(slip("de")))

    words = stream.words
    for line in (
        "Bürgerbüro Mitte",
        "Hauptstraße 1, 51373 Leverkusen",
        "Ihr Termin",
        "Dienstag 08.12.2026",
        "10:30",
        "Wohnsitz anmelden",
        "Bei: Frau Yılmaz",
        "Ihr Code:",
        "482913",
        "Zeigen Sie dies am Kiosk: „Ich habe einen Termin“",
    ):
        assert line in words, line
    assert stream.qr_stored_data() == [URL.encode()]
    assert stream.rasters == []  # German and Turkish letters all go as text
    assert stream.names()[-2:] == ["feed", "cut"]


def test_the_code_is_very_large_bold_text():
    stream = parse(ticket_bytes(slip("de")))

    items = stream.items
    at = next(i for i, item in enumerate(items) if getattr(item, "text", "") == "482913\n")
    last = {item.name: item.args for item in items[:at] if hasattr(item, "args")}
    assert last["bold"] == b"\x01"
    assert last["size"] == b"\x55"  # six times as wide and as high


def test_english_slip_also_says_everything_in_german():
    words = parse(ticket_bytes(slip("en", topic="Register your address"))).words

    assert "Your appointment" in words and "Ihr Termin" in words
    assert "Tuesday 08.12.2026" in words and "Dienstag 08.12.2026" in words
    assert "Register your address" in words and "Wohnsitz anmelden" in words
    assert "With: Frau Yılmaz" in words and "Bei: Frau Yılmaz" in words
    assert "Show this at the kiosk: “I have an appointment”" in re.sub(r"\s+", " ", words)


def test_arabic_slip_is_shaped_right_to_left_with_latin_digits():
    stream = parse(ticket_bytes(slip("ar")))

    # The weekday line and the topic are Arabic: images, drawn right to left by raqm, with
    # the date in Latin digits (the visitor shows the slip at a German counter).
    images = [r.image() for r in stream.rasters]
    latin = shaped("الثلاثاء 08.12.2026", size=2, bold=True, language="ar")
    indic = shaped("الثلاثاء ٠٨.١٢.٢٠٢٦", size=2, bold=True, language="ar")
    assert any(same(image, latin) for image in images)
    assert not any(same(image, indic) for image in images)
    topic = shaped("تسجيل السكن", size=1, bold=True, language="ar")
    assert any(same(image, topic) for image in images)
    # everything else is text: code and time with Latin digits, the German lines
    assert "482913" in stream.words and "10:30" in stream.words
    assert "Dienstag 08.12.2026" in stream.words
    assert not set(ARABIC_INDIC) & set(stream.text)
    assert stream.qr_stored_data() == [URL.encode()]


def test_ukrainian_slip_prints_its_weekday_in_cyrillic_text():
    stream = parse(ticket_bytes(slip("uk", topic="Реєстрація місця проживання")))

    assert "Вівторок 08.12.2026" in stream.words
    assert "Реєстрація місця проживання" in stream.words
    assert stream.rasters == []


def test_slip_on_a_58mm_printer_without_native_qr_carries_a_readable_qr_image():
    stream = parse(ticket_bytes(slip("de"), "ZJ-5870"), "ZJ-5870")

    assert [text for r in stream.rasters for text in decode(r)] == [URL]
    assert "482913" in stream.words


def test_slip_names_only_the_topic_it_is_given_and_nothing_else():
    # the server passes a discreet topic's neutral name; the layout adds no other topic
    layout = build_slip_layout(slip("de", topic="Beratung", topic_de="Beratung"))
    texts = [getattr(block, "text", "") for block in layout]

    assert texts.count("Beratung") == 1
    assert not any("Wohnsitz" in text for text in texts)


def test_slip_without_counselor_or_address_leaves_those_lines_out():
    words = parse(ticket_bytes(slip("de", with_name="", location_address=""))).words

    assert "Bei:" not in words
    assert "Hauptstraße" not in words


def test_control_characters_in_a_slip_never_reach_the_printer():
    data = ticket_bytes(slip("de", location_name="Zentrum\x1bp\x00", with_name="A\x1dV\x00"))
    words = parse(data).words

    assert "Zentrump" in words and "Bei: AV" in words
    assert b"\x1bp" not in data  # no cash drawer opens
    assert data.count(b"\x1dV") == 1 and data.endswith(b"\x1dV\x00")  # the one cut, at the end


def test_card_prints_the_grouped_code_and_a_qr_of_the_code_alone():
    stream = parse(ticket_bytes(card("de")))

    assert "K7P2 M9QX 4" in stream.words
    assert stream.qr_stored_data() == [b"K7P2M9QX4"]
    for line in (
        "Kundenkarte",
        "Beratung: Frau Yılmaz",
        "Caritas Leverkusen",
        "Bürgerbüro Mitte",
        "Zeigen Sie diese Karte am Kiosk: „Ich habe eine Karte“",
    ):
        assert line in stream.words, line
    assert stream.names()[-1] == "cut"


def test_card_in_english_says_it_in_german_too():
    words = parse(ticket_bytes(card("en"))).words

    assert "Client card" in words and "Kundenkarte" in words
    assert "Show this card at the kiosk: “I have a card”" in re.sub(r"\s+", " ", words)


@pytest.mark.parametrize(
    ("given", "grouped"),
    [
        ("K7P2M9QX4", "K7P2 M9QX 4"),
        ("k7p2-m9qx-4", "K7P2 M9QX 4"),
        (" K7P2 M9QX 4 ", "K7P2 M9QX 4"),
    ],
)
def test_card_codes_are_grouped_in_fours(given, grouped):
    assert group_card_code(given) == grouped
    assert card(code=given).code == "K7P2M9QX4"


@pytest.mark.parametrize("bad", ["", "K7P2M9QX", "K7P2M9QX45", "K7P2M9QX!", "\x1bK7P2M9QX"])
def test_a_card_code_is_eight_characters_and_a_check_character(bad):
    with pytest.raises(ValueError):
        card(code=bad)


def test_card_layout_has_one_qr():
    layout = build_card_layout(card("ar"))

    assert [block.data for block in layout if hasattr(block, "data")] == ["K7P2M9QX4"]


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_slip_preview_is_a_png_with_a_readable_qr(language):
    image = Image.open(io.BytesIO(preview_png(slip(language))))

    assert image.format == "PNG" and image.width == 576 and image.height > image.width
    assert [found.text for found in zxingcpp.read_barcodes(image.convert("L"))] == [URL]


def test_card_preview_qr_holds_the_code():
    image = Image.open(io.BytesIO(preview_png(card("uk"))))

    assert [found.text for found in zxingcpp.read_barcodes(image.convert("L"))] == ["K7P2M9QX4"]


def test_pdf_preview_is_one_page_at_the_papers_width():
    data = preview_pdf(slip("ar"))

    assert data.startswith(b"%PDF-")
    assert (
        data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>")
        >= 1
    )
    box = re.search(rb"/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert box is not None
    width_mm = float(box.group(1)) / 72 * 25.4
    assert 71 < width_mm < 73  # 576 dots at 203 dpi: the 72 mm an 80 mm roll prints on


def test_slip_and_card_survive_the_trip_to_a_print_agent():
    for item in (slip("ar"), card("uk")):
        payload = payload_of(item)
        assert payload["kind"] == item.kind
        assert printable_from_payload(payload) == item
        assert ticket_bytes(printable_from_payload(payload)) == ticket_bytes(item)


def test_a_tickets_payload_is_unchanged(make_ticket):
    ticket = make_ticket("de")

    assert payload_of(ticket) == ticket_to_payload(ticket)
    assert "kind" not in payload_of(ticket)
    assert printable_from_payload(payload_of(ticket)) == ticket


def test_an_unknown_kind_is_a_malformed_job():
    with pytest.raises(ValueError):
        printable_from_payload({**payload_of(card()), "kind": "poster"})


def test_the_agent_journal_tells_slips_apart_by_their_start():
    moved = payload_of(slip(start=START.replace(hour=11)))

    assert job_key({"id": 7, "payload": payload_of(slip())}) != job_key({"id": 7, "payload": moved})
