"""The fonts of the signs (all from Debian's packages, found through fontconfig), and what they cover.

A sign must never show a tofu box: every character of every text is checked against the
character maps of the fonts that the template will use, before anything is rendered.
"""
from __future__ import annotations

import subprocess
import unicodedata
from functools import lru_cache

from jiandu_sign_proc import harfbuzz as load_harfbuzz  # on sys.path: see jiandu/signs/__init__.py

# key: (fontconfig family, style). The CSS of the templates names the same families.
FONTS = {
    "regular": ("Noto Sans CJK SC", "Regular"),
    "bold": ("Noto Sans CJK SC", "Bold"),
    "mono": ("Noto Sans Mono", "Bold"),
    "mongolian": ("Noto Sans Mongolian", "Regular"),
}
# Where a character missing from the first font of a field may come from (Pango falls back the same way).
FALLBACKS = {
    "regular": ("regular",),
    "bold": ("bold",),
    "mono": ("mono", "bold"),
    "mongolian": ("mongolian", "regular"),
}
DEBIAN_PACKAGES = {"Noto Sans CJK SC": "fonts-noto-cjk", "Noto Sans Mono": "fonts-noto-mono",
                   "Noto Sans Mongolian": "fonts-noto-core"}


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=None)
def font_file(key: str) -> tuple[str, int]:
    """(path, face index) of a font, as fontconfig resolves it; refuses a substitute family."""
    family, style = FONTS[key]
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{family}:style={style}"],
                             capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError) as error:
        raise FontMissing(f"fontconfig is not available: {error}") from error
    families, path, index = out[0], out[1], out[2]
    if family not in families.split(","):
        raise FontMissing(f"font {family!r} is not installed (Debian package {DEBIAN_PACKAGES[family]})")
    return path, int(index or 0)


def harfbuzz():
    return load_harfbuzz()


class _Coverage:
    """The characters a font has: HarfBuzz's set of the face's code points (a few kB, not a dict)."""

    def __init__(self, key: str):
        path, index = font_file(key)
        self.set = None
        self.fallback: frozenset[int] = frozenset()
        loaded = harfbuzz()
        if loaded is not None:
            ffi, hb, _ = loaded
            blob = hb.hb_blob_create_from_file_or_fail(path.encode())
            if blob != ffi.NULL:
                face = hb.hb_face_create(blob, index)
                self.set = hb.hb_set_create()
                hb.hb_face_collect_unicodes(face, self.set)
                hb.hb_face_destroy(face)
                hb.hb_blob_destroy(blob)
                self._has = hb.hb_set_has
                return
        # Only where HarfBuzz cannot be loaded: fontTools takes ~0.1 s to import and reads the whole cmap.
        from fontTools.ttLib import TTFont  # noqa: PLC0415

        font = TTFont(path, fontNumber=index, lazy=True) if path.endswith((".ttc", ".otc")) else TTFont(path, lazy=True)
        try:
            self.fallback = frozenset(font.getBestCmap())
        finally:
            font.close()

    def __contains__(self, codepoint: int) -> bool:
        if self.set is not None:
            return bool(self._has(self.set, codepoint))
        return codepoint in self.fallback


@lru_cache(maxsize=None)
def charmap(key: str) -> _Coverage:
    return _Coverage(key)


def _ignorable(char: str) -> bool:
    # Control and format characters (line breaks, ZWJ…) draw nothing by themselves.
    return unicodedata.category(char) in ("Cc", "Cf")


def missing_characters(text: str, key: str) -> list[str]:
    """Characters of `text` that no font of this field (with its fallbacks) can draw."""
    maps = [charmap(k) for k in FALLBACKS[key]]
    missing = []
    for char in dict.fromkeys(text or ""):
        if _ignorable(char):
            continue
        if not any(ord(char) in cmap for cmap in maps):
            missing.append(char)
    return missing
