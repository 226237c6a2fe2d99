"""The few words printed on a ticket, from the language catalog (``servicepoint.i18n``).

The strings are the catalog's ``ticket.*`` keys, so screens and tickets say the same; which
languages await a native speaker's review is noted in ``servicepoint/i18n/languages.json``.
Labels are phrased as "label: number" so that no language needs plural rules. The digits
printed per language come from the catalog too (today Arabic and Farsi print their own).
"""

from __future__ import annotations

from dataclasses import dataclass

from servicepoint import i18n
from servicepoint.i18n import base_language

DEFAULT_LANGUAGE = "en"

__all__ = [
    "DEFAULT_LANGUAGE",
    "LABELS",
    "RTL_LANGUAGES",
    "TicketLabels",
    "base_language",
    "labels_for",
]


@dataclass(frozen=True)
class TicketLabels:
    """The localized strings of one language; ``{n}`` is replaced by a number."""

    people_ahead: str
    estimated_wait: str
    follow_your_turn: str
    privacy_note: str
    # One line pointing to the location's privacy notice (the status page links it).
    privacy_notice: str
    # An appointment's ticket: "your appointment: {time}" instead of the wait.
    appointment_at: str = "{time}"
    digits: str = i18n.LATIN_DIGITS

    @classmethod
    def from_catalog(cls, language: str) -> TicketLabels:
        """The labels of ``language`` as the catalog has them (missing ones from English)."""
        strings = i18n.strings(language, ["ticket."])
        return cls(
            people_ahead=strings["ticket.people_ahead"],
            estimated_wait=strings["ticket.estimated_wait"],
            follow_your_turn=strings["ticket.follow_your_turn"],
            privacy_note=strings["ticket.privacy_note"],
            privacy_notice=strings["ticket.privacy_notice"],
            appointment_at=strings["ticket.appointment_at"],
            digits=i18n.catalog().print_digits(language),
        )

    def number(self, value: int) -> str:
        """Return ``value`` written with this language's digits."""
        return str(value).translate(str.maketrans(i18n.LATIN_DIGITS, self.digits))

    def people_ahead_line(self, count: int) -> str:
        """Return the "people ahead of you: N" line."""
        return i18n.fill(self.people_ahead, {"n": self.number(count)})

    def estimated_wait_line(self, minutes: int) -> str:
        """Return the "estimated wait: about N min" line."""
        return i18n.fill(self.estimated_wait, {"n": self.number(minutes)})

    def appointment_line(self, hhmm: str) -> str:
        """Return the "your appointment: 10:00" line (``hhmm`` in Latin digits)."""
        return i18n.fill(self.appointment_at, {"time": self.number_text(hhmm)})

    def number_text(self, text: str) -> str:
        """Return ``text`` with its digits written in this language's digits."""
        return text.translate(str.maketrans(i18n.LATIN_DIGITS, self.digits))


#: Labels of every language the catalog has strings for.
LABELS: dict[str, TicketLabels] = {
    language.code: TicketLabels.from_catalog(language.code) for language in i18n.languages()
}

#: Languages written right to left; their text is shaped and printed as an image.
RTL_LANGUAGES = frozenset(language.code for language in i18n.catalog().known() if language.rtl)


def labels_for(language: str) -> TicketLabels:
    """Return the labels for ``language``, falling back to English for unknown languages."""
    return LABELS.get(base_language(language), LABELS[DEFAULT_LANGUAGE])
