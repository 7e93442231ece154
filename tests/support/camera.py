"""A cheap phone's camera in poor light, pointed at a printed QR code: how far away does it read?

The model, applied to a grey raster of the printed page (pixels per mm known):

- sampling: a camera of WIDTH_PX pixels across a horizontal field of view of FOV_DEG sees, at
  distance d, a strip of 2·d·tan(FOV/2) of the sheet, so it has WIDTH_PX / (2·d·tan(FOV/2))
  pixels per mm; the page is area-averaged (Pillow BOX) down to that, and set in a mid-grey
  surround (the wall or counter around the sign);
- optics and motion: a Gaussian blur of BLUR_SIGMA camera pixels;
- poor light: the contrast squeezed from 0..255 to LOW..HIGH, sensor noise of NOISE_SIGMA grey
  levels (seeded: the same image every run);
- a cheap phone's processing: a JPEG round trip at quality JPEG_QUALITY;
- then zbar (QR codes only), as the phone's scanner.

Why these numbers: 720 pixels across 50° is the preview stream of a cheap phone's scanner app
(the frames a scanner decodes, not the still photo). With this model zbar needs about 2 pixels per
module, and the distances it gives agree with the rule the templates state (a phone reads a code
from about ten times the width of its symbol, quiet zone excluded: catalog.READ_DISTANCE_FACTOR):
by that rule a code held at its stated distance gets about 2.3 pixels per module.
"""
from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageChops, ImageFilter

WIDTH_PX = 720
FOV_DEG = 50.0
BLUR_SIGMA = 0.6
LOW, HIGH = 70, 170
NOISE_SIGMA = 6.0
JPEG_QUALITY = 60
SURROUND_MM = 15
SURROUND_GREY = 128


def pixels_per_mm(distance_cm: float) -> float:
    """What the camera resolves on the sheet at `distance_cm`."""
    return WIDTH_PX / (2 * distance_cm * 10 * math.tan(math.radians(FOV_DEG) / 2))


def _gaussian_kernel(sigma: float, size: int = 5) -> ImageFilter.Kernel:
    half = size // 2
    line = [math.exp(-(i * i) / (2 * sigma * sigma)) for i in range(-half, half + 1)]
    total = sum(line)
    line = [value / total for value in line]
    return ImageFilter.Kernel((size, size), [a * b for a in line for b in line], scale=1)


_BLUR = _gaussian_kernel(BLUR_SIGMA)
_CONTRAST = [round(LOW + value * (HIGH - LOW) / 255) for value in range(256)]


def photograph(sheet: Image.Image, sheet_px_per_mm: float, distance_cm: float, seed: int) -> Image.Image:
    """What a cheap phone at `distance_cm` makes of `sheet` (mode "L", `sheet_px_per_mm`)."""
    ppmm = pixels_per_mm(distance_cm)
    step = sheet_px_per_mm / ppmm  # sheet pixels per camera pixel
    width, height = int(sheet.width / step), int(sheet.height / step)
    seen = sheet.resize((width, height), Image.BOX, box=(0, 0, width * step, height * step))
    pad = round(SURROUND_MM * ppmm)
    framed = Image.new("L", (width + 2 * pad, height + 2 * pad), SURROUND_GREY)
    framed.paste(seen, (pad, pad))
    image = framed.filter(_BLUR).point(_CONTRAST)
    rng = random.Random(seed)
    noise = bytes(max(0, min(255, round(128 + rng.gauss(0, NOISE_SIGMA)))) for _ in range(image.width * image.height))
    image = ImageChops.add(image, Image.frombytes("L", image.size, noise), scale=1.0, offset=-128)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    with Image.open(buffer) as photo:
        return photo.convert("L")


def read(image: Image.Image) -> list[str]:
    """The contents of the QR codes zbar finds in `image`."""
    from pyzbar.pyzbar import ZBarSymbol, decode

    return [symbol.data.decode() for symbol in decode(image, symbols=[ZBarSymbol.QRCODE])]
