"""A PNG picture of a ticket, drawn from the same layout the printer gets.

Managers see it in the web UI before a printer is set up; it is not pixel-identical to the
printer's own font, but it has the same blocks, order, sizes, wrapping and QR code.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from PIL import Image, ImageDraw

from printers import raster
from printers.layout import QR, Block, Cut, Feed, Text

#: The printer width the sizes are designed for (80 mm paper, 203 dpi).
REFERENCE_WIDTH_PX = 576


#: Dots per inch of a thermal printer: 576 dots are 72 mm, the printable width of 80 mm paper.
PRINTER_DPI = 203


def render_png(layout: Iterable[Block], width_px: int = REFERENCE_WIDTH_PX) -> bytes:
    """Return a greyscale PNG, exactly ``width_px`` wide, of the ticket ``layout``.

    Sizes scale with ``width_px`` (576 px is one dot per pixel of an 80 mm printer). Raises
    :class:`~printers.errors.PrinterConfigError` if a font is missing.
    """
    buffer = io.BytesIO()
    draw_layout(layout, width_px).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def render_pdf(layout: Iterable[Block], width_px: int = REFERENCE_WIDTH_PX) -> bytes:
    """Return a one-page PDF of ``layout``: the PNG's picture at the printer's 203 dpi, so
    an office printer prints it at the thermal paper's size (576 px: 72 mm wide). Black and
    white as the thermal printer prints it, losslessly (not a JPEG's blurred edges)."""
    buffer = io.BytesIO()
    picture = raster.to_bitmap(draw_layout(layout, width_px))
    picture.save(buffer, format="PDF", resolution=PRINTER_DPI)
    return buffer.getvalue()


def draw_layout(layout: Iterable[Block], width_px: int = REFERENCE_WIDTH_PX) -> Image.Image:
    """Return ``layout`` drawn as a greyscale picture exactly ``width_px`` wide."""
    if width_px < 64:
        raise ValueError("width_px must be at least 64")
    scale = width_px / REFERENCE_WIDTH_PX
    padding = max(4, round(16 * scale))
    content_width = width_px - 2 * padding
    line_px = max(1, round(raster.BASE_PX * scale))

    pieces: list[Image.Image] = []
    for block in layout:
        if isinstance(block, Text):
            pieces.append(
                raster.text_image(
                    block.text,
                    size_px=max(1, round(raster.BASE_PX * block.size * scale)),
                    width=content_width,
                    bold=block.bold,
                    align=block.align,
                    rtl=block.rtl,
                    language=block.language,
                )
            )
        elif isinstance(block, QR):
            module_px = raster.qr_module_px(block.data, content_width)
            qr = raster.qr_image(block.data, module_px).convert("L")
            pieces.append(raster.centered(qr, content_width))
        elif isinstance(block, Feed):
            pieces.append(Image.new("L", (content_width, line_px * block.lines), 255))
        elif isinstance(block, Cut):
            pieces.append(_cut_line(content_width, line_px))

    height = 2 * padding + sum(piece.height for piece in pieces)
    ticket = Image.new("L", (width_px, height), 255)
    y = padding
    for piece in pieces:
        ticket.paste(piece, (padding, y))
        y += piece.height
    return ticket


def _cut_line(width: int, line_px: int) -> Image.Image:
    """A dashed line where the cutter cuts."""
    strip = Image.new("L", (width, line_px * 2), 255)
    draw = ImageDraw.Draw(strip)
    y = line_px
    dash = max(4, line_px // 2)
    for x in range(0, width, dash * 2):
        draw.line([(x, y), (min(width, x + dash), y)], fill=128, width=max(1, line_px // 12))
    return strip
