"""The reading distance each template claims, checked with a cheap phone's camera in poor light
(tests/support/camera.py): one printed page of every template, each code photographed on its own
from the distance the template states (and from 50 cm, which the issue asks of every template but
the close-range sticker), must read as its point's URL.

Each code is found on a clean raster of the page first, then cut out with its quiet zone and 10 mm
of the sign around it: the user aims at one sign, not at the whole sheet (zbar reading twelve small
codes on one photograph sometimes misses one, which says nothing about a phone aimed at one).
"""
from __future__ import annotations

import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image

from jiandu.signs import catalog, render, service
from tests.signs.test_templates import CLOSE_RANGE, TEMPLATES, _selection
from tests.support import camera

# A deployment's address (the demo city's): the codes are then the 41 modules (version 4, quiet
# zone included) that reading_distance_cm() assumes. The tests' short address makes smaller codes
# with bigger modules, which would read from further away than printed signs do.
DEPLOYED_BASE = "https://jiandu.baotou.gov.cn"
DPI = 400
LOCATE_PX_PER_MM = 8   # a clean raster on which zbar finds every code and its place
AROUND_MM = 10         # of the sign kept around a code's quiet zone, in the photograph


def _raster(pdf: Path) -> Image.Image:
    root = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(root)],
                   check=True, timeout=120)
    with Image.open(root.with_suffix(".pgm")) as image:
        return image.convert("L")


def _find(image: Image.Image) -> list[tuple[str, tuple[int, int, int, int]]]:
    from pyzbar.pyzbar import ZBarSymbol, decode

    return [(s.data.decode(), (s.rect.left, s.rect.top, s.rect.left + s.rect.width, s.rect.top + s.rect.height))
            for s in decode(image, symbols=[ZBarSymbol.QRCODE])]


def locate(sheet: Image.Image, sheet_px_per_mm: float, expect: int) -> list[tuple[str, tuple[float, ...]]]:
    """Every code of the page and its symbol's box in mm (quiet zone excluded); the page is also
    read in overlapping quarters when the whole of it gives fewer than `expect`."""
    scale = LOCATE_PX_PER_MM / sheet_px_per_mm
    clean = sheet.resize((round(sheet.width * scale), round(sheet.height * scale)), Image.BOX)
    found = [(data, tuple(v / LOCATE_PX_PER_MM for v in box)) for data, box in _find(clean)]
    if len(found) < expect:
        width, height = clean.size
        for x in (0, width * 2 // 5):
            for y in (0, height * 2 // 5):
                tile = clean.crop((x, y, x + width * 3 // 5, y + height * 3 // 5))
                for data, (x0, y0, x1, y1) in _find(tile):
                    box = ((x0 + x) / LOCATE_PX_PER_MM, (y0 + y) / LOCATE_PX_PER_MM,
                           (x1 + x) / LOCATE_PX_PER_MM, (y1 + y) / LOCATE_PX_PER_MM)
                    if not any(d == data and abs(b[0] - box[0]) < 5 and abs(b[1] - box[1]) < 5 for d, b in found):
                        found.append((data, box))
    return found


def photographs_read(sheet, sheet_px_per_mm, codes, modules: int, distance_cm: float, name: str) -> list[tuple]:
    """(URL, place on the page in mm, what the cheap phone reads) of each code, from `distance_cm`."""
    read = []
    for index, (url, (x0, y0, x1, y1)) in enumerate(codes):
        margin = (x1 - x0) * 4 / (modules - 8) + AROUND_MM
        box = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        crop = sheet.crop(tuple(round(v * sheet_px_per_mm) for v in box))
        seed = zlib.crc32(f"{name}|{index}|{distance_cm}".encode())
        photo = camera.photograph(crop, sheet_px_per_mm, distance_cm, seed)
        read.append((url, (round(x0), round(y0)), camera.read(photo)))
    return read


@pytest.fixture
def deployed(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "PUBLIC_BASE_URL", DEPLOYED_BASE)
    return ctx


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_code_reads_from_the_distance_its_template_states(deployed, tmp_path, name):
    template = catalog.get(name)
    points = service._order(_selection(name))[:template.per_page]
    signs = service.sign_dicts(service.check(points, template), template, label="#T", printed="2026-01-01")
    assert {s["qr"]["modules"] for s in signs} == {41}, "the size reading_distance_cm() is stated for"
    pdf = tmp_path / f"{name}.pdf"
    render.write_pdf(template, signs, pdf)
    sheet = _raster(pdf)
    px_per_mm = DPI / 25.4
    per_sign = 2 if name == "tent-a6" else 1  # both faces of a tent
    codes = locate(sheet, px_per_mm, len(signs) * per_sign)
    assert sorted(url for url, _ in codes) == sorted([s["url"] for s in signs] * per_sign)

    stated = template.reading_distance_cm()
    distances = [stated] if name in CLOSE_RANGE else sorted({stated, 50})
    for distance in distances:
        read = photographs_read(sheet, px_per_mm, codes, 41, distance, name)
        assert all(found == [url] for url, _, found in read), (distance, read)

    if name in CLOSE_RANGE:
        # The model is not lenient: from half as far again as stated, the close-range codes fail.
        read = photographs_read(sheet, px_per_mm, codes, 41, round(stated * 1.5), name)
        assert not any(found for _, _, found in read), read
