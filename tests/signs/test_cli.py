"""`jiandu signs templates` and `jiandu signs render` for an administrator on the server."""
from __future__ import annotations

from jiandu.signs import catalog
from tests.signs.conftest import decode_pages, dpi_for, hall_id, hall_points, page_count, urls


def test_templates_are_listed(app):
    result = app.test_cli_runner().invoke(args=["signs", "templates"])
    assert result.exit_code == 0, result.output
    for name in ("window-a4", "window-a5-2up", "tent-a6", "sticker-a4-12up", "sticker-a4-8up", "project-a3",
                 "window-a4-mn"):
        assert name in result.output
    assert "reads from about" in result.output


def test_render_a_hall_into_a_pdf(ctx, tmp_path):
    out = tmp_path / "hall.pdf"
    result = ctx.test_cli_runner().invoke(args=["signs", "render", "--template", "sticker-a4-12up", "--hall",
                                                str(hall_id()), "--out", str(out)])
    assert result.exit_code == 0, result.output
    points = hall_points()
    assert page_count(out) == -(-len(points) // 12)
    expect = [min(12, len(points) - 12 * i) for i in range(-(-len(points) // 12))]
    pages = decode_pages(out, dpi_for(catalog.get("sticker-a4-12up")), expect)
    assert {url for page in pages for url in page} == urls(points)


def test_render_codes_and_refusals(ctx, tmp_path):
    points = hall_points()[:3]
    out = tmp_path / "codes.pdf"
    runner = ctx.test_cli_runner()
    codes = ",".join(p.code for p in points)
    result = runner.invoke(args=["signs", "render", "-t", "window-a4", "--codes", codes, "--out", str(out),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert [page for page in decode_pages(out, 72)] == [[url] for url in sorted(urls(points), key=[
        f"https://jiandu.test/q/{p.code}" for p in points].index)]
    unknown = runner.invoke(args=["signs", "render", "-t", "nope", "--codes", codes, "--out", str(out)])
    assert unknown.exit_code != 0 and "没有名为" in unknown.output
    empty = runner.invoke(args=["signs", "render", "-t", "window-a4", "--out", str(out)])
    assert empty.exit_code != 0 and "请选择" in empty.output
