"""Every template, rendered for real: each code on each page decodes to exactly its point's URL,
the decoded set equals the selection, a CJK font is embedded, Mongolian is drawn with real glyphs.

The sample image of each template (qr-templates/<name>/preview.png) is made here too.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Point
from jiandu.signs import catalog, render, service
from tests.signs.conftest import BASE, SMALL_HALL, decode_pages, dpi_for, hall_id, hall_points, pdf_fonts, urls

TEMPLATES = ["window-a4", "window-a5-2up", "tent-a6", "sticker-a4-12up", "sticker-a4-8up", "project-a3",
             "window-a4-mn"]
# The one template that does not read from 50 cm, and the distance it says it reads from: on a
# 63.5 mm label a code for 50 cm (62 mm) leaves no room for the texts. Its label says so.
CLOSE_RANGE = {"sticker-a4-12up": 43}


def test_the_catalog_has_every_template_of_the_issue():
    # Every template of qr-templates/ is rendered and decoded below: a new one cannot slip past.
    assert set(catalog.templates()) == set(TEMPLATES)
    for name in TEMPLATES:
        template = catalog.get(name)
        meta = json.loads((template.folder / "template.json").read_text(encoding="utf-8"))
        assert meta["label"] and template.fields
        assert template.static, name
        for spec in template.fields.values():
            assert min(spec.sizes_pt) >= 4.5, name


def test_every_template_reads_from_50_cm_but_the_declared_close_range_one():
    # Quiet zone 4 modules, error correction Q; the 10× rule (checked with a camera model in
    # test_reading_distance.py).
    for name in TEMPLATES:
        template = catalog.get(name)
        if name in CLOSE_RANGE:
            distance = template.reading_distance_cm()
            assert distance == CLOSE_RANGE[name] < 50, name
            close = f"近距离扫码（约 {distance} 厘米"
            assert close in template.label and close in template.description, name
        else:
            assert template.reading_distance_cm() >= 50, name


def _selection(name: str) -> list[Point]:
    if name == "project-a3":
        return list(db.session.scalars(select(Point).where(Point.type == "project", Point.active.is_(True))))
    if name == "window-a4-mn":
        return [p for p in hall_points() if p.name_mn]
    return hall_points()


def _batch(name: str, points: list[Point], out: Path, workers: int = 1) -> dict:
    template = catalog.get(name)
    rows = service.check(service._order(points), template)
    signs = service.sign_dicts(rows, template, label="#T", printed="2026-01-01", with_codes=False)
    return render.render_to_file(name, signs, out, workers=workers, chunk_signs=24,
                                 symbols=service.code_symbols())


def _write_preview(name: str, pdf: Path) -> None:
    template = catalog.get(name)
    dpi = max(30, int(600 / (template.page["width_mm"] / 25.4)))
    png = render.png_of_pdf(pdf, dpi)
    target = template.folder / "preview.png"
    if not target.exists() or target.read_bytes() != png:
        target.write_bytes(png)


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_batch_of_a_hall_decodes_to_exactly_its_points(ctx, tmp_path, name):
    points = _selection(name)
    assert points, name
    template = catalog.get(name)
    out = tmp_path / f"{name}.pdf"
    # One template through the real process pool, the others in this process (the same code path
    # but for the pool, and quicker).
    stats = _batch(name, points, out, workers=2 if name == "window-a5-2up" else 1)
    assert not list(tmp_path.glob(".*")), "no temporary file left beside the PDF"
    ordered = service._order(points)
    sheets = [ordered[i:i + template.per_page] for i in range(0, len(ordered), template.per_page)]
    per_sign = 2 if name == "tent-a6" else 1  # a tent shows its code on both faces
    assert stats["pages"] == len(sheets)
    pages = decode_pages(out, dpi_for(template), [len(sheet) * per_sign for sheet in sheets])
    assert len(pages) == len(sheets)
    for index, (found, sheet) in enumerate(zip(pages, sheets)):
        wanted = [f"{BASE}/q/{p.code}" for p in sheet]
        assert sorted(found) == sorted(wanted * per_sign), f"page {index + 1}"
    assert {url for page in pages for url in page} == urls(points)
    fonts = pdf_fonts(out)
    cjk = [f for f in fonts if "CJK" in f["name"]]
    assert cjk and all(f["emb"] == "yes" for f in fonts), fonts
    assert any("Bold" in f["name"] for f in cjk)
    _write_preview(name, out)


def _cids_by_font(pdf: Path) -> dict[str, list[int]]:
    """Glyph ids (CIDs, Identity-H) drawn with each font, from the pages' content streams."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(str(pdf))
    drawn: dict[str, list[int]] = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        names = {key: str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = names.get(operands[0])
            elif operator in (b"Tj", b"TJ") and current:
                items = operands[0] if operator == b"TJ" else [operands[0]]
                for item in items:
                    data = getattr(item, "original_bytes", None)  # pypdf's string objects
                    if data is not None:
                        drawn.setdefault(current, []).extend(
                            int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2))
    return drawn


def test_the_bilingual_sign_draws_mongolian_glyphs_never_notdef(ctx, tmp_path):
    points = _selection("window-a4-mn")
    out = tmp_path / "mn.pdf"
    _batch("window-a4-mn", points, out)
    drawn = _cids_by_font(out)
    mongolian = {font: cids for font, cids in drawn.items() if "Mongolian" in font}
    assert mongolian, drawn.keys()
    cids = [cid for ids in mongolian.values() for cid in ids]
    assert len(cids) >= sum(len(p.name_mn.replace(" ", "")) for p in points) // 2
    assert 0 not in cids, ".notdef drawn"
    assert all(0 not in ids for ids in drawn.values()), "no font draws .notdef"
    assert any("Mongolian" in f["name"] and f["emb"] == "yes" for f in pdf_fonts(out))


def test_a_preview_is_one_sign_as_it_prints(ctx, tmp_path):
    point = hall_points()[3]
    template = catalog.get("window-a4")
    rows = service.check([point], template)
    signs = service.sign_dicts(rows, template, label="预览", printed="2026-01-01")
    out = tmp_path / "one.pdf"
    render.single("window-a4", signs, out)
    assert decode_pages(out) == [[f"{BASE}/q/{point.code}"]]


def test_the_small_hall_is_the_one_the_tests_use(ctx):
    assert hall_id(SMALL_HALL) is not None
    assert 30 <= len(hall_points()) <= 40
