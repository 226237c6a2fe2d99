"""The bytes a printer receives for a ticket, read back command by command."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
import zxingcpp
from escpos.printer import Dummy

from printers import PrinterConfigError, build_layout, render, ticket_bytes
from printers import fonts as fonts_module
from printers.escpos_render import can_encode, printable_width
from servicepoint import i18n
from tests.printers.conftest import STATUS_URL
from tests.printers.escpos_stream import Command, Raster, parse

LANGUAGES = [language.code for language in i18n.languages()]
#: Profiles with different paper widths, code pages, QR and cutter support.
PROFILES = ["TM-T20II", "TM-T88IV-SA", "TH230", "ZJ-5870"]


def decode_qr(raster: Raster) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(raster.image(margin=32))]


def has_script(text: str, name: str) -> bool:
    return any(unicodedata.name(char, "").startswith(name) for char in text)


def test_code_is_printed_as_very_large_bold_text(make_ticket):
    stream = parse(ticket_bytes(make_ticket("de")))

    items = stream.items
    code_at = next(i for i, item in enumerate(items) if getattr(item, "text", "") == "A012\n")
    last = {item.name: item.args for item in items[:code_at] if isinstance(item, Command)}
    assert last["bold"] == b"\x01"
    assert last["size"] == b"\x55"  # GS ! 0x55: six times as wide and six times as high
    assert stream.names()[0] == "init"


def test_native_qr_stores_exactly_the_status_url(make_ticket):
    stream = parse(ticket_bytes(make_ticket("de"), "TM-T20II"))

    assert stream.qr_stored_data() == [STATUS_URL.encode()]
    assert stream.qr_prints() == 1
    assert stream.rasters == []  # a German ticket on a TM-T20II is text and a native QR only


@pytest.mark.parametrize(
    ("profile", "image_qr"),
    [("TH230", False), ("ZJ-5870", False), ("TM-T20II", True)],
    ids=["TH230-no-native-qr", "ZJ-5870-58mm", "TM-T20II-forced-image"],
)
def test_image_qr_decodes_to_the_status_url(make_ticket, profile, image_qr):
    stream = parse(ticket_bytes(make_ticket("de"), profile, image_qr=image_qr), profile)

    assert stream.qr_stored_data() == []
    decoded = [text for raster in stream.rasters for text in decode_qr(raster)]
    assert decoded == [STATUS_URL]


def test_ticket_ends_with_a_cut(make_ticket):
    stream = parse(ticket_bytes(make_ticket("de"), "TM-T20II"))

    assert stream.names()[-2:] == ["feed", "cut"]
    assert stream.commands[-1].args == b"\x00"  # GS V 0: full cut


def test_printer_without_cutter_gets_a_feed_and_no_cut(make_ticket):
    stream = parse(ticket_bytes(make_ticket("de"), "ZJ-5870"), "ZJ-5870")

    assert "cut" not in stream.names()
    assert stream.names()[-1] == "feed"


def test_german_umlauts_print_as_text_in_a_code_page(make_ticket):
    ticket = make_ticket("de", location_name="Bürgerbüro Müllerstraße", topic="Führerschein")
    stream = parse(ticket_bytes(ticket))

    run = stream.run_containing("Bürgerbüro Müllerstraße")
    assert run.encoding is not None and "ü".encode(run.encoding.lower()) in run.raw
    assert "Führerschein" in stream.text
    assert "Geschätzte Wartezeit: ca. 15 Min." in stream.words
    assert "codepage" in stream.names()
    assert stream.rasters == []


@pytest.mark.parametrize(
    ("language", "topic", "script"),
    [
        ("ar", "تسجيل السكن", "ARABIC"),
        ("fa", "ثبت محل سکونت", "ARABIC"),
        ("ti", "ምዝገባ መንበሪ ኣድራሻ", "ETHIOPIC"),
    ],
)
def test_arabic_farsi_tigrinya_print_as_images_never_as_question_marks(
    make_ticket, language, topic, script
):
    stream = parse(ticket_bytes(make_ticket(language)))

    assert not has_script(stream.text, script)
    assert b"?" not in stream.text_bytes
    assert "A012" in stream.text and "Wohnsitz anmelden" in stream.text
    # topic, people ahead, wait, invitation, privacy note, the notice's line: six paragraphs
    assert len(stream.rasters) == 6
    assert all(raster.width == 576 and raster.black_dots() > 200 for raster in stream.rasters)
    assert stream.qr_stored_data() == [STATUS_URL.encode()]


def test_ukrainian_prints_as_text_where_the_profile_has_cp1251(make_ticket):
    stream = parse(ticket_bytes(make_ticket("uk"), "TM-T20II"))

    assert "Реєстрація місця проживання" in stream.words
    assert "Орієнтовний час очікування: близько 15 хв" in stream.words
    assert stream.rasters == []


def test_ukrainian_prints_as_images_on_a_profile_without_cyrillic(make_ticket):
    stream = parse(ticket_bytes(make_ticket("uk"), "TM-T88IV-SA"), "TM-T88IV-SA")

    assert not has_script(stream.text, "CYRILLIC")
    assert b"?" not in stream.text_bytes
    assert len(stream.rasters) == 6
    assert all(raster.width == 512 for raster in stream.rasters)  # the profile's paper width
    assert stream.qr_stored_data() == [STATUS_URL.encode()]


def test_russian_on_a_58mm_printer_with_cp866_prints_as_text(make_ticket):
    stream = parse(ticket_bytes(make_ticket("ru"), "ZJ-5870"), "ZJ-5870")

    assert "Регистрация по месту жительства" in stream.words
    assert len(stream.rasters) == 1  # the QR code; ZJ-5870 has no native QR


def test_romanian_comma_below_letters_print_as_image_because_no_code_page_has_them(make_ticket):
    stream = parse(ticket_bytes(make_ticket("ro")))

    assert "Persoane înaintea dumneavoastră: 3" in stream.words  # î and ă are in CP1250
    assert "așteptare" not in stream.text and "Urmăriți" not in stream.text
    # the wait line, "Urmăriți-vă rândul:" and "Protecția datelor: scanați codul QR"
    assert len(stream.rasters) == 3


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_language_on_any_profile_loses_a_character(make_ticket, language, profile):
    stream = parse(ticket_bytes(make_ticket(language), profile), profile)

    assert b"?" not in stream.text_bytes
    assert "A012" in stream.text
    assert all(raster.width == printable_width_of(profile) for raster in stream.rasters)


def printable_width_of(profile: str) -> int:
    return printable_width(Dummy(profile=profile).profile)


def test_same_ticket_gives_the_same_bytes(make_ticket):
    assert ticket_bytes(make_ticket("ar")) == ticket_bytes(make_ticket("ar"))


def test_render_writes_onto_any_escpos_printer(make_ticket):
    printer = Dummy(profile="TM-T20II")
    render(build_layout(make_ticket("fa")), printer)

    assert printer.output == ticket_bytes(make_ticket("fa"))


def test_can_encode_follows_the_profile_code_pages():
    cyrillic_profile = Dummy(profile="TM-T20II").profile
    latin_profile = Dummy(profile="TM-T88IV-SA").profile

    assert can_encode(cyrillic_profile, "Ґанок і їжак") and can_encode(latin_profile, "Grüße")
    assert not can_encode(latin_profile, "Привет")
    assert not can_encode(cyrillic_profile, "șț")


def test_unknown_profile_is_a_config_error(make_ticket):
    with pytest.raises(PrinterConfigError, match="unknown printer profile 'TM-NOPE'"):
        ticket_bytes(make_ticket(), "TM-NOPE")


def test_missing_font_is_a_clear_config_error(make_ticket, tmp_path, monkeypatch, fresh_fonts):
    monkeypatch.setenv("SERVICEPOINT_FONT_DIRS", str(tmp_path))
    monkeypatch.setattr(fonts_module, "SYSTEM_FONT_DIRS", ())
    monkeypatch.setattr(fonts_module, "PACKAGE_FONT_DIR", tmp_path / "none")

    with pytest.raises(PrinterConfigError) as raised:
        ticket_bytes(make_ticket("ar"))
    assert "NotoSansArabic-Regular.ttf" in raised.value.reason
    assert "fonts-noto-core" in raised.value.reason
    # Latin text does not need a font at all: a German ticket still prints.
    assert b"A012" in ticket_bytes(make_ticket("de"))


def test_right_to_left_text_without_raqm_is_refused(make_ticket, monkeypatch, fresh_fonts):
    monkeypatch.setattr(fonts_module.features, "check", lambda feature: False)  # no raqm

    with pytest.raises(PrinterConfigError, match="libfribidi0"):
        ticket_bytes(make_ticket("fa"))


def test_rendering_in_parallel_threads_gives_the_same_bytes(make_ticket):
    tickets = [make_ticket(language) for language in ("ar", "de", "ti", "uk", "fa", "ro") * 3]
    expected = [ticket_bytes(ticket) for ticket in tickets]

    with ThreadPoolExecutor(max_workers=6) as pool:
        produced = list(pool.map(ticket_bytes, tickets))

    assert produced == expected
