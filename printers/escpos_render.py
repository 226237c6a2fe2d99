"""Printing a ticket layout onto a python-escpos printer.

Text the printer's code pages can carry is sent as text, and python-escpos's magic encoding
picks the code page (``ESC t``) for umlauts, Cyrillic, Turkish letters. Everything else —
Arabic and Farsi (shaped, right to left), Tigrinya, Cyrillic on a printer without a Cyrillic
code page, Romanian ș/ț that no code page has — is drawn by :mod:`printers.raster` and sent
as a raster image. The QR code is native (``GS ( k``) where the profile supports it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from functools import lru_cache

from escpos.capabilities import BaseProfile
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.magicencode import Encoder
from PIL import Image

from printers import raster
from printers.layout import QR, Block, Cut, Feed, Text

DEFAULT_PROFILE = "TM-T20II"
#: Paper width assumed for a profile that does not know its own: fits 58 mm and 80 mm paper.
FALLBACK_WIDTH_PX = 384
FALLBACK_COLUMNS = 32


_CODE_PAGE_MAPS: dict[str, dict[str, int]] = {}


def printable_width(profile: BaseProfile) -> int:
    """Return the printable width in dots of ``profile``'s paper (384 if it does not say)."""
    try:
        return int(profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return FALLBACK_WIDTH_PX


def text_columns(profile: BaseProfile) -> int:
    """Return how many characters of font A fit a line on ``profile``'s paper."""
    try:
        return int(profile.get_columns("a"))
    except Exception:  # a profile without font data: stay safely narrow
        return FALLBACK_COLUMNS


@lru_cache(maxsize=32)
def _encoder(profile_class: type) -> Encoder:
    return Encoder(profile_class().get_code_pages())


@lru_cache(maxsize=4096)
def _can_encode(profile_class: type, text: str) -> bool:
    encoder = _encoder(profile_class)
    encodings = [name for name in encoder.codepages if name != "Unknown"]
    return all(
        ord(char) < 128 or any(encoder.can_encode(name, char) for name in encodings)
        for char in text
    )


def can_encode(profile: BaseProfile, text: str) -> bool:
    """Return True if every character of ``text`` is in one of ``profile``'s code pages."""
    profile_class: type = profile.__class__
    return _can_encode(profile_class, text)


def image_impl(profile: BaseProfile) -> str:
    """Return the python-escpos image command the profile supports, ``GS v 0`` first."""
    for impl in ("bitImageRaster", "graphics", "bitImageColumn"):
        if profile.supports(impl):
            return impl
    return "bitImageRaster"


def prints_as_image(block: Text, profile: BaseProfile) -> bool:
    """Return True if ``block`` goes to ``profile``'s printer as an image rather than text."""
    return block.needs_image or not can_encode(profile, block.text)


def render(layout: Iterable[Block], printer: Escpos, *, image_qr: bool = False) -> None:
    """Send ``layout`` to ``printer`` as ESC/POS commands, starting with ``ESC @``.

    The printer's profile decides the paper width, which text goes as text or as an image,
    whether the QR code is native (``GS ( k``) or an image (``image_qr=True`` forces the
    image) and whether the cutter exists. Rendering has no other side effect than the
    commands written to ``printer``. Raises
    :class:`~printers.errors.PrinterConfigError` when a font for non-Latin text is missing.
    """
    profile = printer.profile
    width = printable_width(profile)
    columns = text_columns(profile)
    impl = image_impl(profile)
    native_qr = bool(profile.supports("qrCode")) and not image_qr

    printer.hw("INIT")
    printer.magic.encoding = None  # ESC @ reset the code page; the next text must select one
    # Which Unicode character sits where in a code page is pure data: share what any
    # printer object worked out, instead of decoding every code page again per ticket.
    printer.magic.encoder.available_characters = _CODE_PAGE_MAPS
    for block in layout:
        if isinstance(block, Text):
            if prints_as_image(block, profile):
                _print_image(printer, _text_image(block, width), impl)
            else:
                _print_text(printer, block, columns)
        elif isinstance(block, QR):
            module_px = raster.qr_module_px(block.data, width)
            if native_qr:
                printer.set(align="center")
                printer.qr(block.data, ec=QR_ECLEVEL_M, size=module_px, native=True)
            else:
                qr = raster.centered(raster.qr_image(block.data, module_px), width)
                _print_image(printer, qr, impl)
        elif isinstance(block, Feed):
            printer.print_and_feed(block.lines)
        elif isinstance(block, Cut):
            printer.cut()
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"unknown layout block {block!r}")


def _fitting_size(block: Text, columns: int) -> int:
    longest_word = max((len(word) for word in block.text.split()), default=1)
    return max(1, min(block.size, columns // longest_word))


def _print_text(printer: Escpos, block: Text, columns: int) -> None:
    size = _fitting_size(block, columns)
    printer.set(align=block.align, bold=block.bold, custom_size=True, width=size, height=size)
    printer.text(textwrap.fill(block.text, width=max(1, columns // size)) + "\n")


def _text_image(block: Text, width: int) -> Image.Image:
    image = raster.text_image(
        block.text,
        size_px=raster.BASE_PX * block.size,
        width=width,
        bold=block.bold,
        align=block.align,
        rtl=block.rtl,
        language=block.language,
    )
    return raster.to_bitmap(image)


def _print_image(printer: Escpos, image: Image.Image, impl: str) -> None:
    printer.set(align="left")
    printer.image(image, impl=impl, center=False)
