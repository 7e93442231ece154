"""Regenerate the app icons: a seal-like mark, a red square with a white 监.

Run from the repository root:  .venv/bin/python scripts/make_icons.py
(kept out of pwa/: only what the app needs is served from there)
Writes icon-192.png, icon-512.png (purpose "any") and icon-maskable-192.png,
icon-maskable-512.png (purpose "maskable": full bleed, the mark inside the safe zone).
"""
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parents[1] / "pwa" / "icons"
RED = (190, 30, 45, 255)
WHITE = (255, 255, 255, 255)
GLYPH = "监"
FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
SC_INDEX = 2  # in the Noto CJK collections: JP, KR, SC, TC, HK


def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONTS:
        if Path(path).exists():
            font = ImageFont.truetype(path, size, index=SC_INDEX)
            return font
    raise SystemExit("No CJK font found: apt install fonts-noto-cjk")


def draw(size: int, maskable: bool) -> Image.Image:
    # Work at 4x and scale down for smooth edges.
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=RED)
        inset = round(big * 0.16)  # the border sits inside the 80 % safe circle's square
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(big * 0.14), fill=RED)
        inset = round(big * 0.08)
    line = max(4, round(big * 0.03))
    pen.rounded_rectangle((inset, inset, big - inset, big - inset), radius=round(big * 0.05),
                          outline=WHITE, width=line)
    box = big - 2 * inset
    font = _font(round(box * 0.74))
    left, top, right, bottom = pen.textbbox((0, 0), GLYPH, font=font)
    x = (big - (right - left)) / 2 - left
    y = (big - (bottom - top)) / 2 - top
    pen.text((x, y), GLYPH, font=font, fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    for size in (192, 512):
        draw(size, maskable=False).save(HERE / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(HERE / f"icon-maskable-{size}.png", optimize=True)
    print("icons written to", HERE)


if __name__ == "__main__":
    main()
