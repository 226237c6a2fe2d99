"""The abstract ticket layout and its labels, independent of any printer."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont

from printers import QR, Cut, Text, TicketPrint, build_layout
from printers.fonts import (
    FALLBACK_ORDER,
    Script,
    font_for,
    font_path,
    has_glyph,
    primary_script,
    script_of,
)
from printers.labels import LABELS, base_language, labels_for
from printers.layout import CODE_SIZE, needs_image
from printers.raster import text_image, wrap_lines
from printers.slips import CardPrint, SlipPrint, build_card_layout, build_slip_layout
from servicepoint import i18n
from tests.printers.conftest import STATUS_URL

#: Every language with strings: the default SERVICEPOINT_LANGUAGES are all of them.
LANGUAGES = [language.code for language in i18n.languages()]


def texts(layout: list) -> list[str]:
    return [block.text for block in layout if isinstance(block, Text)]


def test_layout_order_location_code_topic_then_qr_privacy_cut(make_ticket):
    layout = build_layout(make_ticket("en"))
    text_blocks = [block for block in layout if isinstance(block, Text)]

    assert text_blocks[0].text == "Bürgerbüro Mitte"
    assert text_blocks[1].text == "A012"
    assert text_blocks[1].size == CODE_SIZE and text_blocks[1].bold
    assert text_blocks[2].text == "Register your address"
    assert text_blocks[3].text == "Wohnsitz anmelden"
    assert "21.11.2025  15:02" in texts(layout)
    assert "People ahead of you: 3" in texts(layout)
    assert "Estimated wait: about 15 min" in texts(layout)
    qr_at = next(i for i, block in enumerate(layout) if isinstance(block, QR))
    assert layout[qr_at].data == STATUS_URL
    assert layout[qr_at - 1].text == "Follow your turn:"
    assert layout[qr_at + 1].text == "No personal data is stored on this ticket."
    assert isinstance(layout[-1], Cut)
    assert sum(isinstance(block, Cut) for block in layout) == 1


def test_german_topic_printed_once_when_visitor_reads_german(make_ticket):
    layout = build_layout(make_ticket("de"))

    assert texts(layout).count("Wohnsitz anmelden") == 1
    assert "Personen vor Ihnen: 3" in texts(layout)
    assert "Auf diesem Ticket sind keine personenbezogenen Daten gespeichert." in texts(layout)


def test_an_appointments_ticket_prints_its_time_instead_of_the_queue(make_ticket):
    start = datetime(2025, 11, 21, 15, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    printed = texts(build_layout(make_ticket("uk", appointment_at=start)))

    assert "Ваш запис на прийом: 15:30" in printed
    assert "Ihr Termin: 15:30" in printed  # and in German, for the staff
    assert not any("перед вами" in text or "Wartezeit" in text for text in printed)
    german = texts(build_layout(make_ticket("de", appointment_at=start)))
    assert german.count("Ihr Termin: 15:30") == 1


def test_an_appointment_time_must_be_aware(make_ticket):
    with pytest.raises(ValueError, match="appointment_at"):
        make_ticket("de", appointment_at=datetime(2025, 11, 21, 15, 30))


def test_unknown_wait_leaves_the_line_out(make_ticket):
    layout = build_layout(make_ticket("de", estimated_wait_minutes=None, people_ahead=0))

    assert not any("Wartezeit" in text for text in texts(layout))
    assert "Personen vor Ihnen: 0" in texts(layout)


@pytest.mark.parametrize("language", ["ar", "fa", "prs", "ps"])
def test_slips_and_cards_speak_the_visitors_language_with_latin_digits(language):
    slip = texts(build_slip_layout(sample_slip(language)))
    card = texts(build_card_layout(sample_card(language)))

    own = i18n.catalog().own(language)
    assert own["slip.title"] in slip and own["slip.show_at_kiosk"] in slip
    assert "482913" in slip and "10:30" in slip
    assert own["card.title"] in card and "K7P2 M9QX 4" in card
    digits = [char for text in slip + card for char in text if char.isdigit()]
    assert all(char in "0123456789" for char in digits), digits


@pytest.mark.parametrize("language", ["ar", "fa", "prs", "ps"])
def test_right_to_left_tickets_print_code_and_numbers_in_latin_digits(make_ticket, language):
    """What the lobby shows is what the paper says: A012, 12 and 40, never ١٢ or ۴۰."""
    printed = texts(build_layout(make_ticket(language, people_ahead=12, estimated_wait_minutes=40)))

    assert "A012" in printed
    assert i18n.text(language, "ticket.people_ahead", n=12) in printed
    assert i18n.text(language, "ticket.estimated_wait", n=40) in printed
    assert "21.11.2025  15:02" in printed
    digits = [char for text in printed for char in text if char.isdigit()]
    assert digits and all(char in "0123456789" for char in digits), digits


def test_the_arabic_ticket_says_its_numbers_as_the_lobby_does(make_ticket):
    printed = texts(build_layout(make_ticket("ar", people_ahead=12, estimated_wait_minutes=40)))

    assert "عدد الأشخاص قبلك: 12" in printed
    assert "مدة الانتظار المتوقعة بالدقائق: حوالي 40" in printed


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_label(language):
    labels = LABELS[language]

    assert "{n}" in labels.people_ahead and "{n}" in labels.estimated_wait
    assert labels.follow_your_turn.strip() and labels.privacy_note.strip()
    assert labels.privacy_notice.strip()
    assert "{time}" in labels.appointment_at
    assert "10:30" in labels.appointment_line("10:30")  # Latin digits, as the lobby shows
    assert len(labels.digits) == 10


@pytest.mark.parametrize("language", LANGUAGES)
def test_installed_fonts_draw_every_label_without_boxes(language):
    labels = LABELS[language]
    for text in (
        labels.people_ahead_line(3),
        labels.estimated_wait_line(15),
        labels.appointment_line("10:30"),
        labels.follow_your_turn,
        labels.privacy_note,
        labels.privacy_notice,
    ):
        primary = primary_script(text)
        missing = [char for char in text if not has_glyph(font_for(char, primary), char)]
        assert missing == [], f"{language}: no font has {missing!r} of {text!r}"


@cache
def cmap_of(script: Script, bold: bool) -> frozenset[int]:
    """The code points the font file ``script`` prints with maps to a glyph of its own."""
    with TTFont(font_path(script, bold), lazy=True) as font:
        return frozenset(font.getBestCmap())


def sample_slip(language: str) -> SlipPrint:
    return SlipPrint(
        location_name="Bürgerbüro Mitte",
        location_address="Hauptstraße 1, 51373 Leverkusen",
        start=datetime(2026, 12, 7, 10, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        code="482913",
        topic=i18n.text(language, "ticket.sample_topic"),
        topic_de=i18n.text("de", "ticket.sample_topic"),
        with_name="Frau Yılmaz",
        language=language,
        url=STATUS_URL,
    )


def sample_card(language: str) -> CardPrint:
    return CardPrint(
        code="K7P2M9QX4",
        counselor="Frau Yılmaz",
        organisation="Caritas Leverkusen",
        location_name="Bürgerbüro Mitte",
        language=language,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_character_of_a_printed_ticket_is_in_the_cmap_of_the_font_that_draws_it(
    make_ticket, language
):
    """No tofu: each character of each text block of a ticket (topic, labels, privacy note,
    location, date, code), an appointment slip and a client card is drawn by a font whose
    character map has it."""
    missing: list[str] = []
    blocks = [
        *build_layout(make_ticket(language)),
        *build_slip_layout(sample_slip(language)),
        *build_card_layout(sample_card(language)),
    ]
    for block in blocks:
        if not isinstance(block, Text):
            continue
        primary = primary_script(block.text)
        for char in block.text:
            if char.isspace() or unicodedata.category(char) == "Cf":
                continue
            script = font_for(char, primary, block.bold)
            if ord(char) not in cmap_of(script, block.bold):
                missing.append(f"{char!r} (U+{ord(char):04X}) in {block.text!r}")

    assert not missing, f"{language}: " + "; ".join(missing)


def test_the_letters_of_every_script_are_in_the_fonts():
    """Pashto's own letters, Dari's and Farsi's, Kurmanji's and Romanian's accented Latin,
    Cyrillic, Ge'ez: every letter the catalog uses, and these named ones, have a glyph."""
    named = "ټډړږښګڼېۍځڅپچژگکیۀ" + "êîûçşÊÎÛÇŞ" + "șțăâîȘȚĂÂÎ" + "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ" + "ґєїҐЄЇёЁ"
    used = {char for code in LANGUAGES for text in i18n.strings(code).values() for char in text}
    letters = {char for char in {*named, *used} if unicodedata.category(char)[0] in "LMN"}
    missing = sorted(
        char
        for char in letters
        if ord(char) not in cmap_of(font_for(char, script_of(char) or "latin"), False)
    )

    assert not missing, [f"{char} U+{ord(char):04X}" for char in missing]


def test_fallback_fonts_cover_digits_in_ethiopic_text():
    assert font_for("ሰ", "ethiopic") == "ethiopic"
    assert font_for("3", "ethiopic") == "latin"  # Noto Sans Ethiopic has no digits
    assert font_for("ب", "latin") == "arabic"
    assert set(FALLBACK_ORDER) == {"latin", "arabic", "ethiopic"}


def test_language_tags_are_reduced_to_their_base_and_unknown_ones_fall_back_to_english():
    assert base_language("de-AT") == "de"
    assert base_language("fa_IR") == "fa"
    assert labels_for("de-CH") is LABELS["de"]
    assert labels_for("xx") is LABELS["en"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wohnsitz anmelden", False),
        ("Реєстрація місця проживання", False),  # a renderer decides by code page
        ("Înregistrarea domiciliului", False),
        ("تسجيل السكن", True),
        ("ثبت محل سکونت", True),
        ("ምዝገባ መንበሪ ኣድራሻ", True),
        ("A012 عدد", True),
    ],
)
def test_needs_image_marks_scripts_no_code_page_can_print(text, expected):
    assert needs_image(text) is expected


def test_right_to_left_blocks_know_their_direction(make_ticket):
    layout = build_layout(make_ticket("fa"))
    topic = next(block for block in layout if isinstance(block, Text) and "سکونت" in block.text)
    code = next(block for block in layout if isinstance(block, Text) and block.text == "A012")

    assert topic.rtl and topic.needs_image
    assert not code.rtl and not code.needs_image


def test_ticket_refuses_a_naive_time_and_negative_counts(make_ticket):
    with pytest.raises(ValueError, match="timezone-aware"):
        make_ticket(issued_at=datetime(2025, 11, 21, 15, 2))
    with pytest.raises(ValueError, match="people_ahead"):
        make_ticket(people_ahead=-1)
    with pytest.raises(ValueError, match="estimated_wait"):
        make_ticket(estimated_wait_minutes=-5)


def test_ticket_print_is_frozen(make_ticket):
    ticket: TicketPrint = make_ticket()
    with pytest.raises(AttributeError):
        ticket.code = "B001"  # type: ignore[misc]


def test_image_text_wraps_at_spaces_and_breaks_only_overlong_words():
    note = "Auf diesem Ticket sind keine personenbezogenen Daten gespeichert."
    lines = wrap_lines(note, size_px=24, width=300)
    assert len(lines) > 1 and " ".join(lines) == note
    assert all(line == line.strip() and line for line in lines)

    overlong = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"
    pieces = wrap_lines(overlong, size_px=48, width=200)
    assert len(pieces) > 1 and "".join(pieces) == overlong

    one_line = text_image("A012", size_px=24, width=300)
    several = text_image(note, size_px=24, width=300)
    assert one_line.width == several.width == 300
    assert several.height > 2 * one_line.height
