"""The fit of texts is measured, not assumed: long names shrink, then wrap, and never spill; what
cannot fit, or cannot be drawn, is refused before anything is rendered."""
from __future__ import annotations

import pytest

from jiandu.signs import catalog, content, fit, render, service
from jiandu.signs.fonts import missing_characters
from tests.signs.conftest import hall_points

LONG = "不动产登记、抵押登记、预告登记与不动产权证书发放综合受理窗口"  # 30 characters


def test_breaking_keeps_words_and_closing_marks_together():
    pieces = fit.tokens("包头市热力（集团）有限公司 EMS证照，好。")
    assert "（集" in pieces and "团）" in pieces and "EMS" in pieces and "好。" in pieces
    mongolian = "ᠬᠥᠷᠥᠩᠭᠡ\u202fᠶᠢᠨ ᠴᠣᠩᠬᠣ"
    assert fit.tokens(mongolian) == ["ᠬᠥᠷᠥᠩᠭᠡ\u202fᠶᠢᠨ", " ", "ᠴᠣᠩᠬᠣ"]  # U+202F does not break
    assert fit.normalise("  a \n b\u3000c ") == "a b c"


def test_a_short_name_keeps_the_largest_size_and_a_long_one_shrinks_then_wraps():
    spec = catalog.get("window-a5-2up").fields["name"]
    short = fit.fit("name", "出件窗口", spec)
    assert short == {"size": spec.sizes_pt[0], "lines": ["出件窗口"]}
    long = fit.fit("name", LONG, spec)
    assert long["size"] < spec.sizes_pt[0] and len(long["lines"]) == 2
    assert "".join(long["lines"]) == LONG
    for line in long["lines"]:
        assert fit.width_mm(line, spec.font, long["size"]) <= spec.width_mm
    assert len(long["lines"]) * long["size"] * fit.PT_MM * fit.LINE_HEIGHT <= spec.height_mm


def test_a_text_that_cannot_fit_at_the_smallest_size_is_refused():
    spec = catalog.get("window-a5-2up").fields["name"]
    with pytest.raises(fit.DoesNotFit):
        fit.fit("name", LONG * 3, spec)


def test_characters_no_font_has_are_found():
    assert missing_characters("包头市 EMS 窗口（一）", "regular") == []
    assert missing_characters("窗口😀", "regular") == ["😀"]
    assert missing_characters("ᠴᠣᠩᠬᠣ\u202fᠶᠢᠨ 12", "mongolian") == []


def _walk(box):
    """A box and all its descendants, through absolutely positioned placeholders."""
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(getattr(child, "_box", child))


def _boxes(doc):
    for page in doc.pages:
        yield from _walk(page._page_box)


def _spills(doc) -> list[str]:
    """Texts laid out outside the box of their fitted field (CSS px, half a pixel of slack)."""
    problems = []
    for box in _boxes(doc):
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None and hasattr(element, "get") else []
        if box.element_tag != "div" or not ({"fit", "mn-col"} & set(classes)):
            continue
        left, top = box.border_box_x(), box.border_box_y()
        right, bottom = left + box.border_width(), top + box.border_height()
        for inner in _walk(box):
            kind = type(inner).__name__
            if kind == "TextBox":  # across: the advance of the text
                if inner.position_x < left - 0.5 or inner.position_x + inner.width > right + 0.5:
                    problems.append(f"{classes} wider than its box: {inner.text!r}")
            elif kind == "LineBox":  # down: the lines (line-height 1.25 holds the glyphs)
                if inner.position_y < top - 0.5 or inner.position_y + inner.height > bottom + 0.5:
                    problems.append(f"{classes} lower than its box: line at {inner.position_y:.1f}")
    return problems


@pytest.mark.parametrize("name", ["window-a4", "window-a5-2up", "tent-a6", "sticker-a4-12up", "sticker-a4-8up",
                                  "window-a4-mn"])
def test_long_texts_are_laid_out_inside_their_boxes(ctx, name):
    template = catalog.get(name)
    point = next(p for p in hall_points() if p.name_mn)
    row = service.point_rows([point])[0]
    values = content.texts(row, service.hotline())
    # Make every field as long as it may be: the longest text the template accepts.
    for field, spec in template.fields.items():
        if field in ("what1", "what2", "hotline", "heading"):
            continue
        text = values[field] or "测试"
        while True:
            try:
                fit.fit(field, text + text[:4], spec)
            except fit.DoesNotFit:
                break
            text = text + text[:4]
        key = {"unit": "department", "place": "hall", "place_mn": "hall_mn"}.get(field, field)
        row[key] = text
    signs = service.sign_dicts([row], template, label="#1", printed="2026-01-01")
    shrunk = [f for f, spec in template.fields.items() if signs[0]["fit"][f]["size"] < spec.sizes_pt[0]]
    assert shrunk, "the long texts made some field shrink"
    doc = render.document(template, signs)
    assert len(doc.pages) == 1
    assert _spills(doc) == []


def test_the_layers_together_give_the_same_texts_as_one_pass(ctx):
    template = catalog.get("window-a5-2up")
    rows = service.point_rows(hall_points()[:2])
    signs = service.sign_dicts(rows, template, label="#1", printed="2026-01-01")
    one = render.html_for(template, render.sheets(template, signs), "all")
    static = render.html_for(template, render.sheets(template, signs), "static")
    variable = render.html_for(template, render.sheets(template, signs), "variable")
    for text in ("码上监督", "扫码评价", rows[0]["name"], signs[0]["code_groups"][0]):
        assert text in one
        assert (text in static) != (text in variable)
