"""The PNG preview a manager sees: same ticket, drawn by Pillow, QR code readable."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image, ImageOps

from printers import build_layout, preview_png, render_png
from tests.printers.conftest import STATUS_URL


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def decoded_qr(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.mark.parametrize("language", ["de", "ar", "ti"])
def test_preview_is_a_png_of_the_ticket_with_a_readable_qr(make_ticket, language):
    image = open_png(render_png(build_layout(make_ticket(language))))

    assert image.format == "PNG"
    assert image.width == 576
    assert image.height > image.width  # a ticket is a tall strip
    assert decoded_qr(image) == [STATUS_URL]


def test_preview_scales_to_a_58mm_width(make_ticket):
    image = open_png(preview_png(make_ticket("fa"), width_px=384))

    assert image.width == 384
    assert decoded_qr(image) == [STATUS_URL]


def test_preview_has_ink_on_the_code_and_white_paper_around(make_ticket):
    image = open_png(preview_png(make_ticket("de"))).convert("L")

    ink = ImageOps.invert(image).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    assert left > 0 and top > 0 and right < image.width and bottom < image.height
    # the very large code sits in the upper part: its rows are the darkest band there
    upper = image.crop((0, 0, image.width, image.height // 4))
    assert upper.getextrema()[0] == 0


def test_preview_refuses_a_useless_width(make_ticket):
    with pytest.raises(ValueError, match="width_px"):
        preview_png(make_ticket(), width_px=10)
