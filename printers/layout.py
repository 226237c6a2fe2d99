"""What goes on a ticket, in which order: an abstract layout built once, rendered twice.

The server turns an issued ticket into a :class:`TicketPrint`; :func:`build_layout` turns that
into a list of small blocks. :mod:`printers.escpos_render` prints the blocks as ESC/POS and
:mod:`printers.preview` draws them as a PNG, so the preview shows what the printer prints.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from printers.labels import LABELS, RTL_LANGUAGES, base_language, labels_for
from printers.text import printable

Align = Literal["left", "center", "right"]

#: Largest text magnification ESC/POS offers (GS ! n: 1..8 times the 12x24-dot font A).
MAX_TEXT_SIZE = 8
#: Magnification of the ticket code; renderers shrink it if the code would not fit a line.
CODE_SIZE = 6

__all__ = [
    "CODE_SIZE",
    "LABELS",
    "QR",
    "Align",
    "Block",
    "Cut",
    "Feed",
    "Text",
    "TicketPrint",
    "build_layout",
    "needs_image",
]


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one ticket, and nothing personal.

    ``issued_at`` must be timezone-aware and already in the location's zone; it is printed
    as it is. ``language`` is the visitor's language (``"de"``, ``"ar"``, ``"uk"``, …);
    ``topic`` is in that language and ``topic_de`` in German.

    Every text field is passed through :func:`printers.text.printable` when the ticket is
    made, whether by the server or from a JSON payload (:mod:`printers.jobs`): control
    bytes, bidi overrides and zero-width characters never get further than this.
    """

    location_name: str
    code: str
    topic: str
    topic_de: str
    language: str
    issued_at: datetime
    people_ahead: int
    estimated_wait_minutes: int | None
    status_url: str
    # An appointment's ticket: the appointment's start in the location's zone, printed
    # instead of the people ahead and the wait (which count the walk-ins' queue).
    appointment_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            object.__setattr__(self, name, printable(getattr(self, name)))
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("TicketPrint.issued_at must be timezone-aware")
        if self.appointment_at is not None and self.appointment_at.utcoffset() is None:
            raise ValueError("TicketPrint.appointment_at must be timezone-aware")
        if not self.code.strip():
            raise ValueError("TicketPrint.code must not be empty")
        if not self.status_url.strip():
            raise ValueError("TicketPrint.status_url must not be empty")
        if self.people_ahead < 0:
            raise ValueError("TicketPrint.people_ahead must not be negative")
        if self.estimated_wait_minutes is not None and self.estimated_wait_minutes < 0:
            raise ValueError("TicketPrint.estimated_wait_minutes must not be negative")


_TEXT_FIELDS = ("location_name", "code", "topic", "topic_de", "language", "status_url")


@dataclass(frozen=True)
class Text:
    """A paragraph of text.

    ``size`` magnifies the printer's standard 12x24-dot font (1..8). ``needs_image`` is set
    when the script needs shaping or right-to-left ordering that no ESC/POS code page offers
    (Arabic, Farsi, Ethiopic); a renderer may still choose an image for other text, e.g.
    Cyrillic on a printer without a Cyrillic code page. ``align`` is the alignment of
    left-to-right text; right-to-left text mirrors ``left`` and ``right``. ``text`` is
    passed through :func:`printers.text.printable`, so whatever builds a layout, no
    renderer is handed a control character.
    """

    text: str
    size: int = 1
    bold: bool = False
    align: Align = "center"
    needs_image: bool = False
    language: str = "de"

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", printable(self.text))
        if not 1 <= self.size <= MAX_TEXT_SIZE:
            raise ValueError(f"Text.size must be 1..{MAX_TEXT_SIZE}, not {self.size}")

    @property
    def rtl(self) -> bool:
        """True when the paragraph's first strong character is right-to-left (UBA P2/P3)."""
        for char in self.text:
            direction = unicodedata.bidirectional(char)
            if direction in ("R", "AL"):
                return True
            if direction == "L":
                return False
        return base_language(self.language) in RTL_LANGUAGES


@dataclass(frozen=True)
class QR:
    """A QR code of ``data`` (the ticket's status URL), centred; ``data`` is made printable."""

    data: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", printable(self.data))


@dataclass(frozen=True)
class Feed:
    """Blank paper: ``lines`` lines of the standard font."""

    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """End of the ticket: feed past the cutter and cut."""


Block = Text | QR | Feed | Cut

_ETHIOPIC_RANGES = ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F), (0x1E7E0, 0x1E7FF))


def needs_image(text: str) -> bool:
    """Return True if ``text`` contains a script that only prints correctly as an image.

    That is right-to-left text (it must be shaped and reordered) and Ethiopic, for which no
    printer code page exists. Whether other text fits a given printer's code pages is the
    renderer's decision, since it depends on the printer profile.
    """
    for char in text:
        if unicodedata.bidirectional(char) in ("R", "AL"):
            return True
        code = ord(char)
        if any(low <= code <= high for low, high in _ETHIOPIC_RANGES):
            return True
    return False


def _text(text: str, language: str, *, size: int = 1, bold: bool = False) -> Text:
    text = printable(text)  # before needs_image looks at it (U+061C is a bidi "AL" mark)
    return Text(text, size=size, bold=bold, needs_image=needs_image(text), language=language)


def build_layout(ticket: TicketPrint) -> list[Block]:
    """Return the ticket's blocks, top to bottom.

    Location name, the code very large, the topic in the visitor's language and in German
    (once if they are the same), date and time, people ahead and the estimated wait (left
    out when unknown) — for an appointment's ticket the appointment's time instead, in the
    visitor's language and German —, a QR code of the status URL with a short invitation,
    the privacy note, one line pointing to the privacy notice (the status page links it), and a cut.
    The same list feeds the printer and the preview.
    """
    language = base_language(ticket.language)
    labels = labels_for(language)
    blocks: list[Block] = [
        _text(ticket.location_name, "de", bold=True),
        Feed(1),
        _text(ticket.code, "de", size=CODE_SIZE, bold=True),
        Feed(1),
        _text(ticket.topic, language, size=2, bold=True),
    ]
    if ticket.topic_de.strip() and ticket.topic_de.strip() != ticket.topic.strip():
        blocks.append(_text(ticket.topic_de, "de"))
    blocks += [Feed(1), _text(ticket.issued_at.strftime("%d.%m.%Y  %H:%M"), "de")]
    if ticket.appointment_at is not None:
        start = ticket.appointment_at.strftime("%H:%M")
        blocks.append(_text(labels.appointment_line(start), language, bold=True))
        if language != "de":
            blocks.append(_text(labels_for("de").appointment_line(start), "de"))
    else:
        blocks.append(_text(labels.people_ahead_line(ticket.people_ahead), language))
        if ticket.estimated_wait_minutes is not None:
            wait = labels.estimated_wait_line(ticket.estimated_wait_minutes)
            blocks.append(_text(wait, language))
    blocks += [
        Feed(1),
        _text(labels.follow_your_turn, language),
        QR(ticket.status_url),
        _text(labels.privacy_note, language),
        _text(labels.privacy_notice, language),
        Cut(),
    ]
    return blocks
