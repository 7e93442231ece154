"""Helpers of the sign tests: real PDFs, turned into images (pdftoppm) and decoded (zbar)."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Point, Unit

SMALL_HALL = "土默特右旗不动产登记大厅"  # the smallest hall of the demo city (34 windows), Mongolian names too
BASE = "https://jiandu.test"


def dpi_for(template) -> int:
    """Enough pixels for zbar: about 8 per module of the template's code, 72 to 200 dpi."""
    module_mm = template.qr_mm / 41
    return max(72, min(200, round(8 * 25.4 / module_mm)))


def _decode(image, offset=(0, 0)) -> list[tuple[str, float, float]]:
    from pyzbar.pyzbar import ZBarSymbol, decode

    found = []
    for symbol in decode(image, symbols=[ZBarSymbol.QRCODE]):
        rect = symbol.rect
        found.append((symbol.data.decode(), offset[0] + rect.left + rect.width / 2,
                      offset[1] + rect.top + rect.height / 2))
    return found


def decode_image(image, expect: int | None = None) -> list[str]:
    """Every QR code of a page image (zbar). With many codes on a page zbar may miss one: when
    fewer than `expect` are found, the page is also read in overlapping quarters."""
    found = _decode(image)
    if expect is not None and len(found) < expect:
        width, height = image.size
        for x in (0, width * 2 // 5):
            for y in (0, height * 2 // 5):
                tile = image.crop((x, y, x + width * 3 // 5, y + height * 3 // 5))
                for data, cx, cy in _decode(tile, (x, y)):
                    if not any(d == data and abs(cx - fx) < 30 and abs(cy - fy) < 30 for d, fx, fy in found):
                        found.append((data, cx, cy))
    return [data for data, _, _ in found]


def decode_pages(pdf: str | Path, dpi: int = 150, expect: list[int] | None = None) -> list[list[str]]:
    """Every QR code of every page, page by page (pdftoppm's images, read by zbar).

    expect: how many codes each page carries (see decode_image)."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="jiandu-zbar-") as folder:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{folder}/p"], check=True, timeout=300)
        images = sorted(Path(folder).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        pages = []
        for index, path in enumerate(images):
            with Image.open(path) as image:
                pages.append(decode_image(image.convert("L"), expect[index] if expect else None))
        return pages


def page_count(pdf: str | Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def pdf_fonts(pdf: str | Path) -> list[dict]:
    """pdffonts' table: name, type, emb, sub, uni."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = []
    for line in lines[2:]:
        parts = line.split()
        if len(parts) >= 7:
            fonts.append({"name": parts[0], "type": " ".join(parts[1:-6]), "emb": parts[-5], "sub": parts[-4]})
    return fonts


def hall_id(name: str = SMALL_HALL) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.name == name, Unit.kind == "hall"))


def hall_points(name: str = SMALL_HALL) -> list[Point]:
    return list(db.session.scalars(select(Point).where(Point.hall_id == hall_id(name), Point.active.is_(True))))


def urls(points) -> set[str]:
    return {f"{BASE}/q/{p.code}" for p in points}


@pytest.fixture
def ctx(app):
    """An app context of the session app, inside the test's rolled-back transaction."""
    with app.app_context():
        yield app
