"""Finding the Noto fonts that non-Latin text is drawn with, and which font has which glyph.

Fonts are looked up, in order, in the directories named by ``SERVICEPOINT_FONT_DIRS``
(``os.pathsep``-separated), in ``printers/fonts/`` (for vendored fonts), and in Debian's
``fonts-noto-core`` directories. A missing font is a :class:`~printers.errors.PrinterConfigError`
that names the file and the Debian package, never a silent row of boxes.
"""

from __future__ import annotations

import _thread
import os
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont, features

from printers.errors import PrinterConfigError

Script = Literal["latin", "arabic", "ethiopic"]

SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
)
PACKAGE_FONT_DIR = Path(__file__).resolve().parent / "fonts"

#: Font files per script, best first: (regular, bold). Bold falls back to regular.
FONT_FILES: dict[Script, tuple[tuple[str, str], ...]] = {
    "latin": (("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),),
    "arabic": (
        ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
        ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    ),
    "ethiopic": (("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),),
}
#: Order in which the other scripts' fonts are tried for a character the first font lacks.
FALLBACK_ORDER: tuple[Script, ...] = ("latin", "arabic", "ethiopic")


#: FreeType faces are not thread-safe and the loaded fonts are shared: one drawer at a time.
#: The operating system's lock (``_thread``'s, which gevent leaves alone): a green-thread
#: server draws text in gevent's pool of real threads, where a patched lock shared by those
#: threads left its waiters asleep for good.
FREETYPE_LOCK = _thread.RLock()

_NOTDEF_PROBE = "\U0010fffd"  # a private-use code point no font maps: renders as .notdef
_COVERAGE_PROBE_SIZE = 32


def font_dirs() -> list[Path]:
    """Return the directories searched for fonts, in order."""
    extra = [Path(p) for p in os.environ.get("SERVICEPOINT_FONT_DIRS", "").split(os.pathsep) if p]
    return [*extra, PACKAGE_FONT_DIR, *SYSTEM_FONT_DIRS]


def script_of(char: str) -> Script | None:
    """Return the script whose font should draw ``char``, or None for a neutral character."""
    code = ord(char)
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    if 0x1200 <= code <= 0x139F or 0x2D80 <= code <= 0x2DDF or 0xAB00 <= code <= 0xAB2F:
        return "ethiopic"
    if unicodedata.category(char)[0] == "L":
        return "latin"
    return None


def primary_script(text: str) -> Script:
    """Return the script of the first character that has one (Latin when there is none)."""
    for char in text:
        script = script_of(char)
        if script is not None:
            return script
    return "latin"


@cache
def font_path(script: Script, bold: bool = False) -> Path:
    """Return the font file for ``script``; bold falls back to regular, Sans to Naskh.

    Raises :class:`PrinterConfigError` naming the files and directories tried when none of
    them exists.
    """
    dirs = font_dirs()
    tried: list[str] = []
    for regular, bold_file in FONT_FILES[script]:
        for name in (bold_file, regular) if bold else (regular,):
            tried.append(name)
            for directory in dirs:
                candidate = directory / name
                if candidate.is_file():
                    return candidate
    raise PrinterConfigError(
        f"no font for {script} text: none of {', '.join(tried)} found in "
        f"{', '.join(str(d) for d in dirs)}; install the Debian package fonts-noto-core "
        "or point SERVICEPOINT_FONT_DIRS at a directory holding these files"
    )


@lru_cache(maxsize=64)
def load_font(script: Script, px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return the ``script`` font at ``px`` pixels, laid out by raqm when Pillow has it."""
    engine = ImageFont.Layout.RAQM if has_raqm() else ImageFont.Layout.BASIC
    try:
        return ImageFont.truetype(str(font_path(script, bold)), px, layout_engine=engine)
    except OSError as exc:
        raise PrinterConfigError(f"cannot load font {font_path(script, bold)}: {exc}") from exc


@lru_cache(maxsize=1)
def has_raqm() -> bool:
    """Return True if Pillow can shape text (libraqm, with libfribidi found at run time)."""
    return bool(features.check("raqm"))


def require_complex_layout(script: Script, rtl: bool) -> None:
    """Raise :class:`PrinterConfigError` if text of ``script`` cannot be shaped here.

    Arabic and any right-to-left text need raqm: without it letters print unjoined and in
    the wrong order, which is worse than an error.
    """
    if (rtl or script == "arabic") and not has_raqm():
        raise PrinterConfigError(
            "Pillow cannot shape right-to-left text: libraqm is not available "
            "(Pillow's wheels bundle raqm but load libfribidi at run time; install the "
            "Debian package libfribidi0, or libraqm0 for a Pillow built from source)"
        )


@cache
def _notdef_mask(script: Script, bold: bool) -> tuple[tuple[int, int], bytes]:
    with FREETYPE_LOCK:
        mask = load_font(script, _COVERAGE_PROBE_SIZE, bold).getmask(_NOTDEF_PROBE)
    return mask.size, bytes(mask)


@lru_cache(maxsize=8192)
def has_glyph(script: Script, char: str, bold: bool = False) -> bool:
    """Return True if the ``script`` font draws ``char`` as something other than .notdef."""
    if char.isspace() or unicodedata.category(char) == "Cf":
        return True  # spaces and format controls (ZWNJ, marks of direction) draw nothing
    with FREETYPE_LOCK:
        mask = load_font(script, _COVERAGE_PROBE_SIZE, bold).getmask(char)
        return (mask.size, bytes(mask)) != _notdef_mask(script, bold)


def font_for(char: str, preferred: Script, bold: bool = False) -> Script:
    """Return the first script font, ``preferred`` first, that has a glyph for ``char``."""
    if has_glyph(preferred, char, bold):
        return preferred
    for script in FALLBACK_ORDER:
        if script == preferred:
            continue
        try:
            if has_glyph(script, char, bold):
                return script
        except PrinterConfigError:
            continue  # a missing fallback font only matters if it was the only hope
    return preferred  # nobody has it: draw .notdef in the paragraph's own font


def clear_caches() -> None:
    """Forget found fonts and glyph coverage, e.g. after fonts were installed or moved."""
    for cached in (font_path, load_font, has_raqm, _notdef_mask, has_glyph):
        cached.cache_clear()
