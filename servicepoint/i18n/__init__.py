"""The language catalog: every string a visitor reads, per language, in one place.

``languages.json`` lists the languages servicepoint knows: code, own name (endonym), German
name (for the staff pages), writing direction, a BCP 47 locale and the digits printed on
tickets (Latin for every language). ``review.json`` lists, per language, the strings that
await a native speaker's review. ``catalog/<code>.json`` holds one language's strings
under flat dotted keys (``kiosk.choose_topic``,
``status.people_ahead``, ``lobby.now_calling``, ``ticket.people_ahead``); ``{name}`` in a
string is a placeholder.

German is the reference: its keys are the complete set. :func:`strings` fills each key a
language lacks from English, then German, string by string. The same data feeds Jinja
(:mod:`servicepoint.i18n.flask`), the browser (``static/js/catalog.js``) and the printers.

Pure Python (json, pathlib): the print agent reads it on a box without Flask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

#: The language whose keys every catalog must have.
REFERENCE = "de"
#: Where a missing string comes from, in order.
FALLBACKS = ("en", "de")
#: The languages of the staff pages (``staff.*`` keys live in these catalogs only); the
#: first is the default.
STAFF_LANGUAGES = ("de", "en")
#: What visitors read: every language with a catalog file translates all of it. Other
#: namespaces (staff pages, API error messages) are German and English, the rest fall back.
#: (``appointment.*``: an appointment's state, as a refused check-in at the kiosk names it;
#: ``booking.*``: the public booking page and the appointment's page; ``mail.*``: the
#: confirmation and reminder mails of an online booking; ``privacy.*``: a location's
#: privacy notice.)
VISITOR_NAMESPACES = (
    "kiosk.",
    "lobby.",
    "status.",
    "ticket.",
    "slip.",
    "card.",
    "appointment.",
    "booking.",
    "mail.",
    "privacy.",
)
#: The refusals a visitor's own devices receive: the public host's page for an address
#: outside the public half, a status link that leads nowhere, the kiosk's refusals to draw a
#: number (the kiosk shows its own ``kiosk.error_*`` text; any other client of the kiosk API
#: reads these) and to check an appointment or a client card in, to draw a number or book a
#: time with a card, and what the booking page and the appointment's page can be refused
#: (holding, booking, confirming, cancelling). The rest of ``error.*`` answers staff and is
#: German and English.
VISITOR_ERRORS = (
    "error.not_public",
    "error.no_ticket_link",
    "error.too_many_tickets",
    "error.topic_closed",
    "error.topic_full",
    "error.topic_cap_reached",
    "error.bad_appointment_code",
    "error.no_appointment_code",
    "error.appointment_elsewhere",
    "error.appointment_other_day",
    "error.appointment_too_early",
    "error.appointment_over",
    "error.check_in_code_or_token",
    "error.too_many_codes",
    "error.bad_card_code",
    "error.no_card",
    "error.card_inactive",
    "error.card_topic_not_served",
    "error.counselor_busy",
    "error.not_bookable_online",
    "error.booking_day",
    "error.slot_taken",
    "error.appointment_past",
    "error.hold_expired",
    "error.no_mail",
    "error.bad_email",
    "error.booking_exists",
    "error.too_many_bookings",
    "error.no_appointment_link",
    "error.bad_confirmation",
    "error.appointment_not_booked",
)
LATIN_DIGITS = "0123456789"

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CODE = re.compile(r"^[a-z]{2,3}$")

__all__ = [
    "FALLBACKS",
    "LATIN_DIGITS",
    "REFERENCE",
    "VISITOR_ERRORS",
    "VISITOR_NAMESPACES",
    "Catalog",
    "Coverage",
    "Language",
    "base_language",
    "catalog",
    "coverage",
    "fill",
    "has_catalog",
    "is_rtl",
    "is_visitor_key",
    "language",
    "languages",
    "offered",
    "placeholders",
    "resolve",
    "strings",
    "text",
]


@dataclass(frozen=True)
class Language:
    """One language as ``languages.json`` describes it."""

    code: str
    name: str
    name_de: str
    dir: str = "ltr"
    #: Its English name (the staff pages in English); the endonym where none is given.
    name_en: str = ""
    locale: str = ""
    print_digits: str = LATIN_DIGITS
    reviewed: bool = False
    review_note: str = ""
    has_catalog: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.dir == "rtl"

    def staff_name(self, staff_language: str) -> str:
        """Its name on a staff page in ``staff_language`` (German or English)."""
        if staff_language == "de":
            return self.name_de
        return self.name_en or self.name

    def public(self) -> dict[str, str]:
        """What a page needs to offer the language: code, own name, direction, locale."""
        return {"code": self.code, "name": self.name, "dir": self.dir, "locale": self.locale}


@dataclass(frozen=True)
class Coverage:
    """How much of the reference a language's own catalog file translates."""

    code: str
    translated: int
    total: int
    missing: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_for_visitors(self) -> tuple[str, ...]:
        """The missing keys visitors would read (see ``VISITOR_NAMESPACES``)."""
        return tuple(key for key in self.missing if is_visitor_key(key))

    @property
    def ratio(self) -> float:
        return self.translated / self.total if self.total else 1.0


def is_visitor_key(key: str) -> bool:
    """Whether visitors read ``key``, so every language must translate it."""
    return key.startswith(VISITOR_NAMESPACES) or key in VISITOR_ERRORS


def _matches(key: str, pattern: str) -> bool:
    """``pattern`` is a key or a namespace pattern such as ``"kiosk.*"``."""
    return key.startswith(pattern[:-1]) if pattern.endswith(".*") else key == pattern


def base_language(tag: str) -> str:
    """The primary subtag of a BCP-47-ish tag, lower-cased: ``"de-AT"`` → ``"de"``."""
    return tag.replace("_", "-").split("-", 1)[0].strip().lower()


def fill(template: str, params: Mapping[str, object] | None = None) -> str:
    """Replace each ``{name}`` by ``params[name]``; unknown placeholders stay as they are."""
    if not params:
        return template
    return _PLACEHOLDER.sub(
        lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), template
    )


def placeholders(template: str) -> set[str]:
    """The names of the ``{placeholders}`` in ``template``."""
    return set(_PLACEHOLDER.findall(template))


class Catalog:
    """The languages and strings below one directory (``languages.json``, ``catalog/``).

    The application uses the module's default instance (:func:`catalog`); tests build one
    on a directory of their own.
    """

    def __init__(self, root: Traversable | Path) -> None:
        self.root = root
        self._merged_cache: dict[str, dict[str, str]] = {}

    # --- loading (once) -----------------------------------------------------------------

    def _read(self, *parts: str) -> Any:
        node = self.root
        for part in parts:
            node = node / part
        return json.loads(node.read_text(encoding="utf-8"))

    @cached_property
    def _own(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        directory = self.root / "catalog"
        if not directory.is_dir():
            return found
        for entry in directory.iterdir():
            code, dot, ext = entry.name.partition(".")
            if dot and ext == "json" and _CODE.match(code):
                data = json.loads(entry.read_text(encoding="utf-8"))
                found[code] = {
                    key: value
                    for key, value in data.items()
                    if isinstance(value, str) and value.strip()
                }
        return found

    @cached_property
    def _review(self) -> dict[str, dict[str, Any]]:
        """``review.json``'s ``awaiting``: per language a ``note`` and ``keys`` (patterns)."""
        if not (self.root / "review.json").is_file():
            return {}
        return dict(self._read("review.json").get("awaiting", {}))

    @cached_property
    def _languages(self) -> dict[str, Language]:
        known: dict[str, Language] = {}
        for entry in self._read("languages.json")["languages"]:
            code = entry["code"]
            review = self._review.get(code, {})
            known[code] = Language(
                code=code,
                name=entry["name"],
                name_de=entry["name_de"],
                name_en=entry.get("name_en", ""),
                dir=entry.get("dir", "ltr"),
                locale=entry.get("locale", code),
                print_digits=entry.get("print_digits", LATIN_DIGITS),
                reviewed=code in self._own and not self.awaiting_review(code),
                review_note=review.get("note", ""),
                has_catalog=code in self._own,
                aliases=tuple(entry.get("aliases", ())),
            )
        for code in self._own.keys() - known.keys():  # a file without an entry still counts
            known[code] = Language(code, code, code, locale=code, has_catalog=True)
        return known

    @cached_property
    def _aliases(self) -> dict[str, str]:
        return {alias: lang.code for lang in self._languages.values() for alias in lang.aliases}

    @cached_property
    def reference_keys(self) -> tuple[str, ...]:
        """Every key, in the reference (German) file's order."""
        return tuple(self._own.get(REFERENCE, {}))

    def _merged(self, code: str) -> dict[str, str]:
        if code not in self._merged_cache:
            layers = [self._own.get(c, {}) for c in (code, *FALLBACKS)]
            self._merged_cache[code] = {
                key: next(layer[key] for layer in layers if key in layer)
                for key in self.reference_keys
            }
        return self._merged_cache[code]

    # --- languages ------------------------------------------------------------------------

    def languages(self) -> list[Language]:
        """The languages that have a catalog file, in ``languages.json`` order."""
        return [lang for lang in self._languages.values() if lang.has_catalog]

    def known(self) -> list[Language]:
        """Every language ``languages.json`` describes, with or without a catalog file."""
        return list(self._languages.values())

    def language(self, code: str) -> Language | None:
        """The language ``code`` (a tag such as ``"fa-IR"`` counts as ``"fa"``, an alias such
        as ``"ku"`` as its language), or None."""
        for candidate in (code, base_language(code)):
            found = self._languages.get(self._aliases.get(candidate, candidate))
            if found:
                return found
        return None

    def has_catalog(self, code: str) -> bool:
        """Whether ``code`` has strings of its own, so a page may be shown in it."""
        found = self.language(code)
        return bool(found and found.has_catalog)

    def is_rtl(self, code: str) -> bool:
        """Whether ``code`` is written right to left (unknown languages: no)."""
        found = self.language(code)
        return bool(found and found.rtl)

    def direction(self, code: str) -> str:
        """``"rtl"`` or ``"ltr"``, for an HTML ``dir`` attribute."""
        return "rtl" if self.is_rtl(code) else "ltr"

    def offered(self, codes: Iterable[str] | str) -> list[str]:
        """The codes of ``codes`` (a list or ``"de,en,uk"``) that have a catalog, in order,
        once each; German when none has one."""
        if isinstance(codes, str):
            codes = codes.split(",")
        found: list[str] = []
        for raw in codes:
            lang = self.language(raw.strip()) if raw and raw.strip() else None
            if lang and lang.has_catalog and lang.code not in found:
                found.append(lang.code)
        return found or [REFERENCE]

    def resolve(self, *candidates: str | None, offered: Iterable[str] | None = None) -> str:
        """The first candidate that can be shown (has a catalog, and is among ``offered``
        when given), else the first offered language, else German."""
        allowed = list(offered) if offered is not None else None
        for candidate in candidates:
            if not candidate:
                continue
            lang = self.language(candidate)
            if lang and lang.has_catalog and (allowed is None or lang.code in allowed):
                return lang.code
        return allowed[0] if allowed else REFERENCE

    def print_digits(self, code: str) -> str:
        """The ten digits tickets in ``code`` are printed with."""
        found = self.language(code)
        return found.print_digits if found else LATIN_DIGITS

    # --- strings --------------------------------------------------------------------------

    def own(self, code: str) -> dict[str, str]:
        """The strings of ``code``'s own file, as they are (no fallback)."""
        return dict(self._own.get(code, {}))

    def strings(self, code: str, prefixes: Iterable[str] = ()) -> dict[str, str]:
        """Every reference key with its text in ``code``; a string ``code`` lacks comes from
        English, then German. ``prefixes`` (e.g. ``["kiosk."]``) keeps only those keys."""
        lang = self.language(code)
        merged = self._merged(lang.code if lang else code)
        wanted = tuple(prefixes)
        if not wanted:
            return dict(merged)
        return {key: value for key, value in merged.items() if key.startswith(wanted)}

    def text(self, code: str, key: str, /, **params: object) -> str:
        """The string ``key`` in ``code`` (with fallback) and its placeholders filled.

        Raises ``KeyError`` for a key the reference catalog does not have.
        """
        lang = self.language(code)
        merged = self._merged(lang.code if lang else code)
        return fill(merged[key], params)

    def awaiting_review(self, code: str) -> tuple[str, ...]:
        """The keys of ``code``'s own file that await a native speaker's review
        (``review.json``), in the reference order."""
        patterns = self._review.get(code, {}).get("keys", ())
        own = self._own.get(code, {})
        return tuple(
            key
            for key in (*self.reference_keys, *sorted(own.keys() - set(self.reference_keys)))
            if key in own and any(_matches(key, pattern) for pattern in patterns)
        )

    def coverage(self, code: str) -> Coverage:
        """Which reference keys ``code``'s own file has, lacks, and has beyond them."""
        own = self._own.get(code, {})
        reference = self.reference_keys
        missing = tuple(key for key in reference if key not in own)
        extra = tuple(sorted(own.keys() - set(reference)))
        return Coverage(code, len(reference) - len(missing), len(reference), missing, extra)


_default = Catalog(files(__name__))


def catalog() -> Catalog:
    """The catalog shipped with servicepoint."""
    return _default


def languages() -> list[Language]:
    """The languages that have strings, in ``languages.json`` order."""
    return _default.languages()


def language(code: str) -> Language | None:
    """The language ``code`` as ``languages.json`` describes it, or None."""
    return _default.language(code)


def has_catalog(code: str) -> bool:
    """Whether a page may be shown in ``code``."""
    return _default.has_catalog(code)


def is_rtl(code: str) -> bool:
    """Whether ``code`` is written right to left: the only place that knows."""
    return _default.is_rtl(code)


def offered(codes: Iterable[str] | str) -> list[str]:
    """The configured ``codes`` that have strings, in order; German when none has."""
    return _default.offered(codes)


def resolve(*candidates: str | None, offered: Iterable[str] | None = None) -> str:
    """The language a page is actually shown in (see :meth:`Catalog.resolve`)."""
    return _default.resolve(*candidates, offered=offered)


def strings(code: str, prefixes: Iterable[str] = ()) -> dict[str, str]:
    """``code``'s strings, each missing one filled from English, then German."""
    return _default.strings(code, prefixes)


def text(code: str, key: str, /, **params: object) -> str:
    """One string in ``code`` with its ``{placeholders}`` filled."""
    return _default.text(code, key, **params)


def coverage(code: str) -> Coverage:
    """How complete ``code``'s own catalog file is."""
    return _default.coverage(code)
