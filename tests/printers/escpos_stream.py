"""A small ESC/POS reader for tests: walks the bytes a printer would get, command by command.

It knows exactly the commands the ticket renderer may send and fails loudly on anything
else, so an unexpected byte sequence is a test failure, not silently skipped text. Text is
decoded with the code page the stream selected (``ESC t n``) through the printer profile,
the way the printer itself would read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escpos.capabilities import get_profile
from escpos.codepages import CodePages
from PIL import Image, ImageOps


@dataclass
class TextRun:
    """Consecutive printable bytes (and line feeds) in one code page."""

    encoding: str | None
    raw: bytes
    text: str


@dataclass
class Raster:
    """A ``GS v 0`` raster image: 1 bits are black dots, rows of ``width_bytes`` bytes."""

    width_bytes: int
    height: int
    data: bytes

    @property
    def width(self) -> int:
        return self.width_bytes * 8

    def image(self, margin: int = 0) -> Image.Image:
        """Return the raster as a black-on-white ``L`` image, with a white margin."""
        bits = Image.frombytes("1", (self.width, self.height), self.data)
        picture = ImageOps.invert(bits.convert("L"))  # ESC/POS: 1 = black; Pillow: 1 = white
        return ImageOps.expand(picture, border=margin, fill=255) if margin else picture

    def black_dots(self) -> int:
        return sum(bin(byte).count("1") for byte in self.data)


@dataclass
class Symbol:
    """A ``GS ( k`` 2D-code function: ``fn`` is the function byte, ``data`` what follows."""

    cn: int
    fn: int
    data: bytes


@dataclass
class Command:
    name: str
    args: bytes = b""


Item = TextRun | Raster | Symbol | Command


@dataclass
class Stream:
    """The parsed commands, with helpers for what the tests ask."""

    items: list[Item] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(item.text for item in self.items if isinstance(item, TextRun))

    @property
    def words(self) -> str:
        """The text with line breaks and runs of spaces as single spaces (undoes wrapping)."""
        return " ".join(self.text.split())

    @property
    def text_bytes(self) -> bytes:
        return b"".join(item.raw for item in self.items if isinstance(item, TextRun))

    @property
    def rasters(self) -> list[Raster]:
        return [item for item in self.items if isinstance(item, Raster)]

    @property
    def commands(self) -> list[Command]:
        return [item for item in self.items if isinstance(item, Command)]

    def names(self) -> list[str]:
        return [command.name for command in self.commands]

    def qr_stored_data(self) -> list[bytes]:
        """Payloads of QR "store data" functions (cn 49, fn 80, m 48)."""
        found = []
        for item in self.items:
            if isinstance(item, Symbol) and item.cn == 0x31 and item.fn == 0x50:
                assert item.data[:1] == b"0", "store function must carry m=48"
                found.append(item.data[1:])
        return found

    def qr_prints(self) -> int:
        return sum(
            1 for item in self.items if isinstance(item, Symbol) and (item.cn, item.fn) == (49, 81)
        )

    def encodings_used(self) -> set[str | None]:
        return {item.encoding for item in self.items if isinstance(item, TextRun)}

    def run_containing(self, needle: str) -> TextRun:
        for item in self.items:
            if isinstance(item, TextRun) and needle in item.text:
                return item
        raise AssertionError(f"{needle!r} is not printed as text; text is {self.text!r}")


_ESC_ONE_ARG = {
    b"!": "print_mode",
    b"E": "bold",
    b"-": "underline",
    b"a": "align",
    b"M": "font",
    b"d": "feed",
    b"3": "line_spacing",
    b"{": "upside_down",
    b"G": "double_strike",
}


def _decoder(encoding: str | None):
    if encoding is None:
        return None
    spec = CodePages.get_encoding(encoding)
    if "python_encode" in spec:
        codec = spec["python_encode"]
        return lambda raw: raw.decode(codec)
    table = "".join(spec["data"])

    def decode(raw: bytes) -> str:
        return "".join(chr(byte) if byte < 128 else table[byte - 128] for byte in raw)

    return decode


def parse(data: bytes, profile: str = "TM-T20II") -> Stream:
    """Parse ``data`` as the printer with ``profile`` would; raise on unknown commands."""
    code_pages = get_profile(profile).codePages
    stream = Stream()
    encoding: str | None = None
    text = bytearray()
    pos = 0

    def flush_text() -> None:
        if text:
            raw = bytes(text)
            decode = _decoder(encoding)
            if decode is None:
                assert all(byte < 128 for byte in raw), f"non-ASCII text before ESC t: {raw!r}"
                decoded = raw.decode("ascii")
            else:
                decoded = decode(raw)
            stream.items.append(TextRun(encoding, raw, decoded))
            text.clear()

    while pos < len(data):
        byte = data[pos]
        if byte == 0x1B:  # ESC
            flush_text()
            op = data[pos + 1 : pos + 2]
            if op == b"@":
                stream.items.append(Command("init"))
                encoding = None
                pos += 2
            elif op == b"t":
                page = data[pos + 2]
                encoding = code_pages[str(page)]
                stream.items.append(Command("codepage", bytes([page])))
                pos += 3
            elif op in _ESC_ONE_ARG:
                stream.items.append(Command(_ESC_ONE_ARG[op], data[pos + 2 : pos + 3]))
                pos += 3
            elif op == b"2":
                stream.items.append(Command("line_spacing_reset"))
                pos += 2
            else:
                raise AssertionError(f"unknown ESC {op!r} at byte {pos}")
        elif byte == 0x1D:  # GS
            flush_text()
            op = data[pos + 1 : pos + 2]
            if op == b"!":
                stream.items.append(Command("size", data[pos + 2 : pos + 3]))
                pos += 3
            elif op == b"V":
                mode = data[pos + 2]
                if mode in (0, 1, 48, 49):
                    stream.items.append(Command("cut", bytes([mode])))
                    pos += 3
                elif mode in (65, 66):
                    stream.items.append(Command("cut", data[pos + 2 : pos + 4]))
                    pos += 4
                else:
                    raise AssertionError(f"unknown cut mode {mode} at byte {pos}")
            elif op == b"v":
                assert data[pos + 2 : pos + 3] == b"0", f"GS v must be GS v 0 at byte {pos}"
                x_bytes = data[pos + 4] | data[pos + 5] << 8
                height = data[pos + 6] | data[pos + 7] << 8
                start = pos + 8
                end = start + x_bytes * height
                assert end <= len(data), "raster image runs past the end of the data"
                stream.items.append(Raster(x_bytes, height, data[start:end]))
                pos = end
            elif op == b"(" and data[pos + 2 : pos + 3] == b"k":
                length = data[pos + 3] | data[pos + 4] << 8
                body = data[pos + 5 : pos + 5 + length]
                assert len(body) == length, "GS ( k runs past the end of the data"
                stream.items.append(Symbol(body[0], body[1], body[2:]))
                pos += 5 + length
            else:
                raise AssertionError(f"unknown GS {op!r} at byte {pos}")
        elif byte == 0x10:  # DLE
            flush_text()
            assert data[pos + 1] == 0x04, f"unknown DLE command at byte {pos}"
            stream.items.append(Command("status", data[pos + 2 : pos + 3]))
            pos += 3
        elif byte == 0x0A or byte >= 0x20:
            text.append(byte)
            pos += 1
        else:
            raise AssertionError(f"unexpected control byte {byte:#04x} at byte {pos}")
    flush_text()
    return stream
