"""Does a text fit its box on a sign? Measured with the sign's own fonts, never assumed.

Each template declares, per field, a box (width and height in mm), the font sizes it may use
(largest first) and how many lines it may take. `fit()` picks the largest size at which the text,
broken into lines the way Chinese is broken (any character boundary, but no line starting with a
closing mark and Latin words kept whole), stays inside the box; the template then prints exactly
those lines, each on its own non-wrapping line. Widths come from FreeType + HarfBuzz (Pillow with
libraqm) on the same font files that WeasyPrint's Pango uses, so shaping (Mongolian joining forms
included) is measured as it will be drawn.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

from jiandu.signs.fonts import font_file

PT_MM = 25.4 / 72
MEASURE_PX = 256  # measure at 256 px per em, then scale: advances are linear in size
SAFETY = 0.96     # leave 4 % of the width for rounding differences between measurer and renderer
LINE_HEIGHT = 1.25  # the templates set `line-height: 1.25` on fitted fields

NO_LINE_START = set("，。、；：？！）】」』”’》〉·…—%‰℃,.;:?!)]}")
NO_LINE_END = set("（【「『“‘《〈([{")
SPACES = re.compile(r"[^\S\u00a0\u202f]+")
WORD_CHAR = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u1800-\u18af\u202f\-_.:/@#&+']")


class DoesNotFit(ValueError):
    def __init__(self, field: str, text: str, spec: "FieldSpec"):
        self.field, self.text, self.spec = field, text, spec
        super().__init__(f"{field}: {text!r} does not fit {spec.width_mm}×{spec.height_mm} mm")


@dataclass(frozen=True)
class FieldSpec:
    width_mm: float
    height_mm: float
    sizes_pt: tuple[float, ...]
    max_lines: int
    font: str = "regular"

    @classmethod
    def from_json(cls, data: dict) -> "FieldSpec":
        return cls(float(data["width_mm"]), float(data["height_mm"]), tuple(float(s) for s in data["sizes_pt"]),
                   int(data.get("max_lines", 1)), data.get("font", "regular"))

    def lines_allowed(self, size_pt: float) -> int:
        by_height = int(self.height_mm / (size_pt * PT_MM * LINE_HEIGHT) + 1e-9)
        return min(self.max_lines, by_height)


@lru_cache(maxsize=None)
def _pil_font(key: str):
    path, index = font_file(key)
    return ImageFont.truetype(path, MEASURE_PX, index=index, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=65536)
def width_em(text: str, key: str) -> float:
    """Advance width of a line in em."""
    if not text:
        return 0.0
    return _pil_font(key).getlength(text) / MEASURE_PX


def width_mm(text: str, key: str, size_pt: float) -> float:
    return width_em(text, key) * size_pt * PT_MM


def normalise(text: str | None) -> str:
    """Runs of white space become one space; no-break spaces (U+202F in Mongolian) stay."""
    return SPACES.sub(" ", text or "").strip()


def tokens(text: str) -> list[str]:
    """Unbreakable pieces: a Latin/digit/Mongolian word, a single CJK character, a space.

    Closing marks stick to the piece before them, opening marks to the piece after them.
    """
    pieces: list[str] = []
    for char in text:
        if char.isspace() and char != "\u202f":
            pieces.append(" ")
            continue
        previous = pieces[-1] if pieces and pieces[-1] != " " else ""
        if previous and (previous[-1] in NO_LINE_END or char in NO_LINE_START
                         or (WORD_CHAR.match(char) and WORD_CHAR.match(previous[-1]))):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def wrap(text: str, key: str, size_pt: float, box_mm: float) -> list[str] | None:
    """Greedy line breaking; None when a single unbreakable piece is wider than the box."""
    limit = box_mm * SAFETY
    text = normalise(text)
    if width_mm(text, key, size_pt) <= limit:
        return [text]
    lines: list[str] = []
    line = ""
    for piece in tokens(text):
        if piece == " " and not line:
            continue
        candidate = line + piece
        if width_mm(candidate.rstrip(), key, size_pt) <= limit:
            line = candidate
            continue
        if not line.strip():
            return None
        lines.append(line.rstrip())
        line = "" if piece == " " else piece
        if line and width_mm(line, key, size_pt) > limit:
            return None
    if line.strip():
        lines.append(line.rstrip())
    return lines


@lru_cache(maxsize=32768)
def _fit(text: str, spec: FieldSpec) -> dict | None:
    if not text:
        return {"size": spec.sizes_pt[0], "lines": []}
    for size in spec.sizes_pt:
        lines = wrap(text, spec.font, size, spec.width_mm)
        if lines is not None and len(lines) <= spec.lines_allowed(size):
            return {"size": size, "lines": lines}
    return None


def fit(field: str, text: str | None, spec: FieldSpec) -> dict:
    """{"size": pt, "lines": [...]} for the template; raises DoesNotFit.

    The result is cached and shared by every sign with the same text: treat it as read-only.
    """
    text = normalise(text)
    found = _fit(text, spec)
    if found is None:
        raise DoesNotFit(field, text, spec)
    return found


def max_chars_hint(spec: FieldSpec) -> int:
    """Roughly how many Chinese characters the box takes at its smallest size (for messages)."""
    size = spec.sizes_pt[-1]
    per_line = int(spec.width_mm * SAFETY / (size * PT_MM))
    return max(1, per_line * spec.lines_allowed(size))
