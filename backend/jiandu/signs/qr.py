"""QR codes of points, made with segno: error correction Q, a quiet zone of 4 modules.

A code's symbol depends only on its content (the point's URL), so it is made once and kept:
in this process (an LRU) and, across processes and batches, in Redis (`jiandu:signs:qr`), where
the RQ job and the web processes share it. Two forms are kept: an SVG path (for documents that
WeasyPrint draws whole: previews, single signs) and ready PDF drawing operators (for batches,
where the merge step draws each code straight into its page, see render.py). Both are vector:
each dark run of modules is an exact rectangle. Nothing here needs an app context.
"""
from __future__ import annotations

import io
import re
from collections import OrderedDict

import segno

ERROR = "q"          # survives wear and a small logo (25 % of the codewords can be restored)
QUIET_ZONE = 4       # modules of white around the symbol, as ISO/IEC 18004 asks
REDIS_KEY = "jiandu:signs:qr:v1"
_LOCAL: OrderedDict[str, str] = OrderedDict()
_LOCAL_MAX = 1024  # ~7 kB each; Redis keeps them all
_PATH = re.compile(r'd="([^"]+)"')


def point_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/q/{code}"


def make(content: str) -> segno.QRCode:
    return segno.make_qr(content, error=ERROR, boost_error=False)


def _symbol(content: str) -> str:
    """'<modules incl. quiet zone>|<SVG path data>|<PDF operators>' of one code."""
    qr = make(content)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", border=QUIET_ZONE, scale=1, xmldecl=False, svgns=False, nl=False,
            omitsize=True, svgclass=None, lineclass=None)
    path = _PATH.search(buffer.getvalue().decode()).group(1)
    return f"{qr.symbol_size(border=QUIET_ZONE)[0]}|{path}|{pdf_operators(path)}"


_STEP = re.compile(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?")


def pdf_operators(path: str) -> str:
    """segno's path (a 1-unit stroke along each run: 'M4 4.5h7m2 0h1…') as filled rectangles,
    in module units with y growing downwards (the caller's matrix flips it)."""
    x = y = 0.0
    rects = []
    for command, a, b in _STEP.findall(path):
        a = float(a)
        if command == "M":
            x, y = a, float(b)
        elif command == "m":
            x, y = x + a, y + float(b)
        elif command == "H":
            rects.append(f"{x:g} {y - 0.5:g} {a - x:g} 1 re")
            x = a
        else:
            rects.append(f"{x:g} {y - 0.5:g} {a:g} 1 re")
            x += a
    return "0 g\n" + "\n".join(rects) + "\nf"


def _remember(content: str, value: str) -> None:
    _LOCAL[content] = value
    if len(_LOCAL) > _LOCAL_MAX:
        _LOCAL.popitem(last=False)


def symbols(contents: list[str], redis=None, keep_local: bool = True) -> dict[str, dict]:
    """{content: {"modules", "path", "ops"}} for many codes: local cache, then Redis, then segno.

    keep_local=False (batches): do not fill this process's cache, Redis keeps them.
    """
    found: dict[str, str] = {}
    wanted = []
    for content in dict.fromkeys(contents):
        if content in _LOCAL:
            _LOCAL.move_to_end(content)
            found[content] = _LOCAL[content]
        else:
            wanted.append(content)
    if wanted and redis is not None:
        try:
            for content, value in zip(wanted, redis.hmget(REDIS_KEY, wanted)):
                if value is not None:
                    found[content] = value.decode()
                    if keep_local:
                        _remember(content, found[content])
        except Exception:  # Redis down: make them here, the signs do not wait for a cache
            redis = None
    made = {}
    for content in wanted:
        if content not in found:
            made[content] = found[content] = _symbol(content)
            if keep_local or redis is None:
                _remember(content, made[content])
    if made and redis is not None:
        try:
            redis.hset(REDIS_KEY, mapping=made)
        except Exception:
            pass
    result = {}
    for content, value in found.items():
        modules, path, ops = value.split("|", 2)
        result[content] = {"modules": int(modules), "path": path, "ops": ops}
    return result


def symbol(content: str, redis=None) -> dict:
    return symbols([content], redis)[content]


def svg_file(content: str, module_mm: float = 1.5, caption: str | None = None) -> bytes:
    """A standalone SVG (for the sign maker's own layouts): sized in mm, optional caption below."""
    sym = symbol(content)
    n = sym["modules"]
    size = n * module_mm
    caption_h = 8 * module_mm if caption else 0
    text = ""
    if caption:
        text = (f'<text x="{n / 2}" y="{n + 4.6}" text-anchor="middle" font-family="Noto Sans Mono, DejaVu Sans Mono, '
                f'monospace" font-weight="bold" font-size="4" letter-spacing="0.6">{_escape(caption)}</text>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size:g}mm" height="{size + caption_h:g}mm" '
        f'viewBox="0 0 {n} {n + (8 if caption else 0)}">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<path stroke="#000" d="{sym["path"]}"/>{text}</svg>\n'
    ).encode()


def png_file(content: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    make(content).save(buffer, kind="png", border=QUIET_ZONE, scale=max(1, min(int(scale), 40)))
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
