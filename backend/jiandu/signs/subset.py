"""Per-batch font subsets: which fonts, under which CSS names.

A Noto Sans CJK face is a 20 MB file; WeasyPrint copies the whole face into memory and subsets it
again for every document it writes. A batch needs a few hundred characters, so before rendering,
each font is cut down (HarfBuzz's hb-subset, from Debian's libharfbuzz-subset0) to exactly the
characters of the batch, once, in a render process (`jiandu_sign_proc.font_faces`), and every
chunk loads those few tens of kB: the same glyphs and metrics, a fraction of the memory and work.
If the library is missing, rendering uses the system fonts (slower, same result).
"""
from __future__ import annotations

from jiandu.signs.fonts import font_file

# CSS family of each subset; the templates name these first, then the system family.
FAMILIES = {"regular": ("Noto Sans CJK SC Subset", "normal"), "bold": ("Noto Sans CJK SC Subset", "bold"),
            "mono": ("Noto Sans Mono Subset", "bold"),
            "mongolian": ("Noto Sans Mongolian Subset", "normal")}


def font_specs() -> list[tuple[str, str, int, str, str]]:
    """(key, file, face index, CSS family, CSS weight) of every font a sign uses."""
    return [(key, *font_file(key), family, weight) for key, (family, weight) in FAMILIES.items()]
