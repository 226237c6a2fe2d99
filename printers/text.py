"""Text that is safe to put on a ticket: what a name or a code may carry to a printer.

A location, topic or desk name comes from a database that managers edit, and a print
agent receives it over the network. Printed as it is, an ``ESC`` or ``GS`` byte inside it
would be read by the printer as a command (``ESC p``: open the cash drawer, ``GS V``: cut),
and a bidi override or a zero-width character would make the paper show something other
than the text. :func:`printable` is the one rule: every ticket field and every paragraph of
a layout passes through it (see :mod:`printers.layout`), so the only commands a printer gets
are the layout's own.
"""

from __future__ import annotations

import unicodedata

__all__ = ["printable"]

#: Whitespace controls, read as a space: tab, LF, VT, FF, CR, NEL, line and paragraph separator.
_SPACES = frozenset("\t\n\x0b\x0c\r\x85\u2028\u2029")
#: Zero-width non-joiner and joiner: Persian writes its half-space inside words with ZWNJ.
_JOINERS = frozenset("\u200c\u200d")


def printable(text: str) -> str:
    """Return ``text`` with nothing a printer could take for a command or a layout trick.

    Every character of Unicode's category "other" is removed: C0 and C1 controls (NUL,
    ``ESC``, ``GS``, ``DLE``, ``DEL``, …), format characters (bidi embeddings, overrides,
    isolates and marks, zero-width space, word joiner, byte order mark, soft hyphen, tags),
    surrogates, private-use and unassigned code points. Whitespace controls (tab, CR, LF,
    vertical tab, form feed, NEL, the line and paragraph separators) become one space, so
    ``"Zentrum\\r\\nMitte"`` reads ``"Zentrum Mitte"``. The zero-width non-joiner and
    joiner are kept only between two letters or marks outside ASCII, where they shape a word
    (Persian's half-space); anywhere else they are removed. Everything else, spaces included,
    is returned unchanged; the function is idempotent and costs one scan for ordinary text.
    """
    if text.isprintable():  # letters, marks, digits, punctuation, symbols, the ASCII space
        return text
    kept: list[str] = []
    for index, char in enumerate(text):
        if char.isprintable() or unicodedata.category(char) == "Zs":
            kept.append(char)
        elif char in _SPACES:
            if not kept or kept[-1] != " ":
                kept.append(" ")
        elif char in _JOINERS and _inside_word(text, index):
            kept.append(char)
    return "".join(kept)


def _inside_word(text: str, index: int) -> bool:
    """True if ``text[index]`` stands between two letters or marks outside ASCII."""
    if index == 0 or index + 1 >= len(text):
        return False
    return all(
        ord(char) > 0x7F and unicodedata.category(char)[0] in "LM"
        for char in (text[index - 1], text[index + 1])
    )
