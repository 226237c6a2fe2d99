"""Text from outside: one rule for what a name may contain and one for keys (no Flask).

Every string that enters — a JSON field, a URL segment, a Socket.IO ``auth`` value, a
command-line argument — meets these rules before it reaches a verb or the database:

- :func:`check_characters` refuses what no input may hold: NUL and the other C0 and C1
  control characters (tab, newline and carriage return excepted: they count as spaces) and
  lone surrogates (which no database can store). ``servicepoint.web.field`` applies it to
  every string of every JSON body.
- :func:`clean_text` is the rule for names people read (a location, desk, kiosk, topic or
  staff member): NFC-normalised, every kind of space made a plain one, runs of spaces
  collapsed, the ends stripped; refused are the characters above, the bidi embeddings,
  overrides and isolates (U+202A-202E, U+2066-2069), zero-width and other invisible
  characters (U+200B, U+2060, U+FEFF, the soft hyphen, …). A zero-width (non-)joiner
  (U+200C, U+200D) is kept only between two letters of a script that writes with it
  (Persian, Arabic, the Indic scripts): there it is spelling, elsewhere a hidden difference.
  The length is checked on the cleaned text, so what is stored fits its column.
- :func:`clean_key` is the rule for keys, codes, slugs, usernames, tokens, language codes
  and request ids: ASCII only, case-mapped (``KeyRule.case``) before the length and the
  pattern are checked, so no ``İ`` or ``ß`` grows past a column.

Refusals are :class:`~servicepoint.errors.InvalidInput` with a message key and the
``field`` at fault. Lookups of things named in a URL ask :meth:`KeyRule.matches` instead:
a malformed slug or token names nothing, so it is simply not found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Literal, TypeGuard

from servicepoint.errors import InvalidInput

# Whitespace that is not a plain space but may be typed or pasted: tab, newline, carriage
# return, and the separators of Unicode (no-break, thin, ideographic spaces, line and
# paragraph separators). All become one plain space in a name.
_SPACES = frozenset("\t\n\r\u00a0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
# Direction changes that reorder what a screen shows: embeddings, overrides, isolates.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners that are part of spelling between letters of some scripts (checked in context).
_JOINERS = frozenset("\u200c\u200d")
# Characters that show nothing: two names differing by one of them look the same.
INVISIBLE = (
    frozenset(
        "\u00ad"  # soft hyphen
        "\u034f"  # combining grapheme joiner
        "\u115f\u1160\u3164\uffa0"  # Hangul fillers
        "\u180e"  # Mongolian vowel separator
        "\u200b"  # zero-width space
        "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
        "\ufeff"  # zero-width no-break space (byte-order mark)
    )
    | _JOINERS
    | frozenset(chr(c) for c in range(0xE0000, 0xE0080))  # tag characters
)
# Scripts whose words are spelt with U+200C/U+200D between their letters: the Arabic
# family (Persian, Urdu, Kurdish, Pashto …) and the Indic scripts.
_JOINING_SCRIPTS = ((0x0600, 0x08FF), (0x0900, 0x0DFF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFC))


def codepoint(character: str) -> str:
    """``U+202E``: how a message names a character it cannot show."""
    return f"U+{ord(character):04X}"


def _is_control(character: str) -> bool:
    number = ord(character)
    return (number < 0x20 and character not in "\t\n\r") or 0x7F <= number < 0xA0


def _is_surrogate(character: str) -> bool:
    return 0xD800 <= ord(character) <= 0xDFFF


def check_characters(value: str, field: str) -> str:
    """``value`` if it holds no NUL, no other control character (tab, newline and carriage
    return aside) and no lone surrogate; else ``InvalidInput("bad_characters")``."""
    for position, character in enumerate(value, start=1):
        if _is_control(character) or _is_surrogate(character):
            raise InvalidInput(
                "bad_characters", field=field, char=codepoint(character), position=position
            )
    return value


def _in_joining_script(character: str) -> bool:
    number = ord(character)
    return any(low <= number <= high for low, high in _JOINING_SCRIPTS)


def _is_letter(character: str) -> bool:
    return unicodedata.category(character)[0] in "LM"


def _joiner_is_spelling(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return (
        bool(before and after)
        and _is_letter(before)
        and _in_joining_script(before)
        and _is_letter(after)
    )


def clean_text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    """A name as people read it, cleaned (see the module); refuses what is hidden or
    reorders the text, an empty name when ``required``, and more than ``max_length``
    characters after cleaning."""
    check_characters(value, field)
    value = unicodedata.normalize("NFC", value)
    kept: list[str] = []
    for index, character in enumerate(value):
        if character in BIDI_CONTROLS or (
            character in INVISIBLE
            and not (character in _JOINERS and _joiner_is_spelling(value, index))
        ):
            raise InvalidInput(
                "invisible_characters",
                field=field,
                char=codepoint(character),
                position=index + 1,
            )
        kept.append(" " if character in _SPACES else character)
    text = re.sub(" {2,}", " ", "".join(kept)).strip(" ")
    if not text and required:
        raise InvalidInput("empty", field=field)
    if len(text) > max_length:
        raise InvalidInput("too_long", field=field, max=max_length)
    return text


@dataclass(frozen=True)
class KeyRule:
    """What a kind of key looks like: an ASCII ``pattern`` (matched whole), the longest
    length its column takes, the message key of a refusal (``too_long`` one for a value too
    long, when that says it better) and the case it is stored in."""

    pattern: str
    max_length: int
    error: str
    case: Literal["lower", "upper"] | None = None
    too_long: str = "too_long"
    compiled: re.Pattern[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern, re.ASCII))

    def matches(self, value: object) -> TypeGuard[str]:
        """Whether ``value`` is, as it stands, a well-formed key of this kind (for lookups:
        a value that is not cannot name anything)."""
        return (
            isinstance(value, str)
            and value.isascii()
            and len(value) <= self.max_length
            and self.compiled.fullmatch(value) is not None
        )


SLUG = KeyRule(r"[a-z0-9][a-z0-9-]{0,62}", 64, "bad_slug", "lower")
TOPIC_KEY = KeyRule(r"[a-z0-9][a-z0-9_-]{0,62}", 64, "bad_key", "lower")
PREFIX = KeyRule(r"[A-Z]", 1, "bad_prefix", "upper", too_long="bad_prefix")
USERNAME = KeyRule(r"[a-z0-9][a-z0-9._-]{1,63}", 64, "bad_username", "lower")
# A language code as tickets store it (``varchar(8)``) …
LANGUAGE = KeyRule(r"[a-z]{2,3}(-[a-z0-9]{2,4})?", 8, "bad_language", "lower")
# … and as the key of a name per language (``"de"``, ``"pt-BR"``, ``"zh-Hans"``).
NAME_LANGUAGE = KeyRule(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", 12, "bad_language")
# Chosen by a kiosk per tap: printable ASCII without spaces.
REQUEST_ID = KeyRule(r"[!-~]{1,64}", 64, "bad_request_id")
# ``secrets.token_urlsafe``: a ticket's status-page token, a kiosk's device token.
TICKET_TOKEN = KeyRule(r"[A-Za-z0-9_-]{16,32}", 32, "no_ticket_link")
KIOSK_TOKEN = KeyRule(r"[A-Za-z0-9_-]{16,64}", 64, "unknown_kiosk")


def clean_key(value: str, field: str, rule: KeyRule) -> str:
    """``value`` stripped, case-mapped and checked against ``rule``; refuses control
    characters (``bad_characters``), anything not ASCII or not matching (``rule.error``)
    and more than ``rule.max_length`` characters (``too_long``)."""
    value = check_characters(value, field).strip()
    if not value:
        raise InvalidInput("empty", field=field)
    if not value.isascii():
        # Refused before any case mapping: "İ".lower() and "ß".upper() grow, and "K" (the
        # Kelvin sign) would become a plain "k" that looks like what was not typed.
        raise InvalidInput(rule.error, field=field, value=shown(value))
    if rule.case == "lower":
        value = value.lower()
    elif rule.case == "upper":
        value = value.upper()
    if len(value) > rule.max_length:
        raise InvalidInput(rule.too_long, field=field, max=rule.max_length)
    if not rule.matches(value):
        raise InvalidInput(rule.error, field=field, value=shown(value))
    return value


def shown(value: object, limit: int = 40) -> str:
    """``value`` as a message may echo it: at most ``limit`` characters, every control,
    invisible, direction-changing or unpaired character written as ``U+XXXX``."""
    text = value if isinstance(value, str) else repr(value)
    out: list[str] = []
    for character in text[:limit]:
        hidden = (
            _is_control(character)
            or character in "\t\n\r"
            or _is_surrogate(character)
            or character in BIDI_CONTROLS
            or character in INVISIBLE
            or unicodedata.category(character) in ("Cf", "Co", "Cn", "Zl", "Zp")
        )
        out.append(f"<{codepoint(character)}>" if hidden else character)
    return "".join(out) + ("…" if len(text) > limit else "")
