"""Drawing text and QR codes as images, shared by the ESC/POS renderer and the PNG preview.

Text is shaped by Pillow's raqm layout (Arabic joining, right-to-left order), broken into
runs by which Noto font has the glyphs (Ethiopic text with Latin digits, Arabic text with a
Latin abbreviation), wrapped at word boundaries to the paper width, and returned as a
greyscale image, black on white, cropped to its ink vertically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TypedDict

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

from printers.fonts import (
    FREETYPE_LOCK,
    Script,
    font_for,
    has_raqm,
    load_font,
    primary_script,
    require_complex_layout,
)

#: Height in pixels of size-1 text: the printer's font A is 12x24 dots.
BASE_PX = 24
#: Arabic and Ethiopic glyphs are small for their line height; draw them a little larger.
SCRIPT_SCALE: dict[Script, float] = {"latin": 1.0, "arabic": 1.2, "ethiopic": 1.1}
#: Line box relative to the font size: Latin's own metrics (1.07 + 0.30) fit inside.
LINE_ASCENT = 1.1
LINE_DESCENT = 0.42
#: Grey level below which a pixel is printed black when thresholding for the printer.
PRINT_THRESHOLD = 160
#: Quiet zone of a QR image, in modules (the paper around it is white anyway).
QR_BORDER = 2
QR_MAX_MODULE_PX = 8

_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class _Run:
    text: str
    script: Script


def _segment(text: str, preferred: Script, bold: bool) -> list[_Run]:
    """Split ``text`` into runs that one font can draw; a run keeps going while it can."""
    runs: list[_Run] = []
    for char in text:
        if runs and font_for(char, runs[-1].script, bold) == runs[-1].script:
            runs[-1] = _Run(runs[-1].text + char, runs[-1].script)
            continue
        script = font_for(char, preferred, bold)
        if runs and runs[-1].script == script:
            runs[-1] = _Run(runs[-1].text + char, script)
        else:
            runs.append(_Run(char, script))
    return runs


class _TextOptions(TypedDict, total=False):
    """Pillow's complex-layout options for one run of text."""

    direction: str
    language: str


class _Shaper:
    """Measures and draws runs of one paragraph in one size and weight."""

    def __init__(self, px: int, bold: bool, rtl: bool, language: str | None) -> None:
        self.px = px
        self.bold = bold
        self.rtl = rtl
        self.language = language

    def font(self, script: Script) -> ImageFont.FreeTypeFont:
        return load_font(script, max(1, round(self.px * SCRIPT_SCALE[script])), self.bold)

    def options(self, script: Script, primary: Script) -> _TextOptions:
        if not has_raqm():
            return {}
        options: _TextOptions = {"direction": "rtl" if self.rtl else "ltr"}
        if self.language and script == primary:
            options["language"] = self.language
        return options

    def runs(self, text: str, primary: Script) -> list[_Run]:
        return _segment(text, primary, self.bold)

    def width(self, text: str, primary: Script) -> float:
        return sum(
            self.font(run.script).getlength(run.text, **self.options(run.script, primary))
            for run in self.runs(text, primary)
        )


def _wrap(text: str, shaper: _Shaper, primary: Script, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width``, at spaces where possible.

    A paragraph that fits is measured once; one that does not is measured word by word
    (shaping does not join across spaces, so word widths add up to the line's width).
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        if shaper.width(paragraph, primary) <= width:
            lines.append(paragraph.strip())
            continue
        line: list[str] = []
        line_width = 0.0
        for token in _TOKENS.findall(paragraph):
            token_width = shaper.width(token, primary)
            if token.isspace():
                if line:
                    line.append(token)
                    line_width += token_width
                continue
            if line and line_width + token_width > width:
                lines.append("".join(line).rstrip())
                line, line_width = [], 0.0
            if token_width > width:  # one word wider than the paper: break it anywhere
                *full, rest = _break_long(token, shaper, primary, width)
                lines.extend(full)
                token, token_width = rest, shaper.width(rest, primary)
            line.append(token)
            line_width += token_width
        lines.append("".join(line).strip())
    return lines


def _break_long(word: str, shaper: _Shaper, primary: Script, width: int) -> list[str]:
    """Split a word that is wider than the paper, character by character."""
    pieces: list[str] = []
    piece = ""
    for char in word:
        if piece and shaper.width(piece + char, primary) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def wrap_lines(
    text: str, *, size_px: int, width: int, bold: bool = False, language: str | None = None
) -> list[str]:
    """Return the lines ``text`` is broken into when drawn at ``size_px`` in ``width`` pixels."""
    with FREETYPE_LOCK:
        primary = primary_script(text)
        return _wrap(text, _Shaper(size_px, bold, False, language), primary, width)


def text_image(
    text: str,
    *,
    size_px: int,
    width: int,
    bold: bool = False,
    align: str = "center",
    rtl: bool = False,
    language: str | None = None,
) -> Image.Image:
    """Return ``text`` drawn black on white as an ``L`` image exactly ``width`` pixels wide.

    Lines are wrapped to ``width``; ``align`` places each line (mirrored for right-to-left
    text). The image is cropped to the ink vertically with a few pixels to spare. Raises
    :class:`~printers.errors.PrinterConfigError` if a needed font is missing, or if the text
    is right-to-left and Pillow cannot shape it.
    """
    with FREETYPE_LOCK:
        return _draw_text(text, size_px, width, bold, align, rtl, language)


def _draw_text(
    text: str,
    size_px: int,
    width: int,
    bold: bool,
    align: str,
    rtl: bool,
    language: str | None,
) -> Image.Image:
    primary = primary_script(text)
    require_complex_layout(primary, rtl)
    shaper = _Shaper(size_px, bold, rtl, language)
    if rtl and align != "center":
        align = "right" if align == "left" else "left"

    laid_out = []
    for line in _wrap(text, shaper, primary, width):
        runs = shaper.runs(line, primary)
        fonts = [shaper.font(run.script) for run in runs] or [shaper.font(primary)]
        widths = [
            font.getlength(run.text, **shaper.options(run.script, primary))
            for run, font in zip(runs, fonts, strict=False)
        ]
        laid_out.append((runs, fonts, widths, _line_box(fonts)))

    # Lines advance by a tight box; the first line's tall marks and the last line's deep
    # descenders get room above and below it so nothing is clipped.
    first_box, last_box = laid_out[0][3], laid_out[-1][3]
    top = first_box.full_ascent - first_box.ascent
    bottom = last_box.full_descent - last_box.descent
    height = top + bottom + sum(box.ascent + box.descent for *_, box in laid_out)
    image = Image.new("L", (width, max(1, height)), 255)
    draw = ImageDraw.Draw(image)
    y = top
    for runs, fonts, widths, box in laid_out:
        total = sum(widths)
        x = {"left": 0.0, "right": width - total}.get(align, (width - total) / 2)
        placed = list(zip(runs, fonts, widths, strict=False))
        if rtl:
            placed.reverse()  # runs of a right-to-left line are laid out from the right
        for run, font, run_width in placed:
            draw.text(
                (x, y + box.ascent),
                run.text,
                font=font,
                fill=0,
                anchor="ls",
                **shaper.options(run.script, primary),
            )
            x += run_width
        y += box.ascent + box.descent
    return _crop_vertically(image, margin=max(2, size_px // 8))


@dataclass(frozen=True)
class _LineBox:
    ascent: int
    descent: int
    full_ascent: int
    full_descent: int


def _line_box(fonts: list[ImageFont.FreeTypeFont]) -> _LineBox:
    """Return a line's box: the fonts' ascent and descent, capped so lines sit close.

    Noto Sans Arabic reserves room for stacked marks that almost never occur; its full
    metrics would space Arabic lines twice as far apart as Latin ones.
    """
    full_ascent = max(font.getmetrics()[0] for font in fonts)
    full_descent = max(font.getmetrics()[1] for font in fonts)
    size = max(font.size for font in fonts)
    return _LineBox(
        ascent=min(full_ascent, round(size * LINE_ASCENT)),
        descent=min(full_descent, round(size * LINE_DESCENT)),
        full_ascent=full_ascent,
        full_descent=full_descent,
    )


def _crop_vertically(image: Image.Image, margin: int) -> Image.Image:
    box = ImageOps.invert(image).getbbox()
    if box is None:
        return image.crop((0, 0, image.width, min(image.height, margin)))
    top = max(0, box[1] - margin)
    bottom = min(image.height, box[3] + margin)
    return image.crop((0, top, image.width, bottom))


_THRESHOLD_LUT = [0 if value < PRINT_THRESHOLD else 255 for value in range(256)]


def to_bitmap(image: Image.Image) -> Image.Image:
    """Return a greyscale image as pure black and white (mode ``1``), without dithering."""
    return image.convert("L").point(_THRESHOLD_LUT, mode="1")


@lru_cache(maxsize=256)
def qr_modules(data: str) -> int:
    """Return the side of ``data``'s QR code in modules (error correction M, no border)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    return code.best_fit() * 4 + 17


def qr_module_px(data: str, width: int) -> int:
    """Return the module size in dots that fits ``data``'s QR code and border in ``width``."""
    fitting = width // (qr_modules(data) + 2 * QR_BORDER)
    return max(1, min(QR_MAX_MODULE_PX, fitting))


def qr_image(data: str, module_px: int) -> Image.Image:
    """Return the QR code of ``data`` (error correction M) as a black-on-white ``1`` image."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=QR_BORDER
    )
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix)
    pixels = bytes(0 if cell else 255 for row in matrix for cell in row)
    small = Image.frombytes("L", (side, side), pixels)
    return small.resize((side * module_px, side * module_px), Image.Resampling.NEAREST).convert("1")


def centered(image: Image.Image, width: int) -> Image.Image:
    """Return ``image`` pasted in the middle of a white strip ``width`` pixels wide."""
    if image.width >= width:
        return image
    strip = Image.new(image.mode, (width, image.height), "white")
    strip.paste(image, ((width - image.width) // 2, 0))
    return strip
