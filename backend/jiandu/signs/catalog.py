"""The sign templates: one folder each under qr-templates/, described by its template.json.

template.json:
  label, description      what the administrator picks from
  page                    {"size": "A4", "width_mm": 210, "height_mm": 297}
  per_page                signs on one sheet
  qr_mm                   printed width of the QR code, quiet zone included
  kinds                   point types it is meant for (null: any)
  requires                fields a point must have for this template (e.g. ["name_mn"])
  static                  fitted fields drawn in the static layer (the same on most signs: laid
                          out once per distinct sheet, not once per sign; see render.py)
  fields                  per text field, the box it must fit: width_mm, height_mm, sizes_pt
                          (largest first), max_lines, font (regular | bold | mono | mongolian)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jiandu.config import ROOT
from jiandu.signs.fit import FieldSpec

TEMPLATES_ROOT = ROOT / "qr-templates"
# A phone reads a code from about ten times its width: 50 cm wants a symbol of 5 cm or more.
READ_DISTANCE_FACTOR = 10


@dataclass(frozen=True)
class SignTemplate:
    name: str
    label: str
    description: str
    folder: Path
    page: dict
    per_page: int
    qr_mm: float
    kinds: tuple[str, ...] | None
    requires: tuple[str, ...]
    static: tuple[str, ...]
    fields: dict[str, FieldSpec] = field(hash=False)

    def symbol_mm(self, modules: int = 41) -> float:
        """Width of the dark part of a code of `modules` (quiet zone included) at this template's size."""
        return self.qr_mm * (modules - 8) / modules

    def reading_distance_cm(self, modules: int = 41) -> int:
        return int(self.symbol_mm(modules) * READ_DISTANCE_FACTOR / 10)

    def describe(self) -> dict:
        return {
            "name": self.name, "label": self.label, "description": self.description,
            "page": self.page, "per_page": self.per_page, "qr_mm": self.qr_mm,
            "kinds": list(self.kinds) if self.kinds else None, "requires": list(self.requires),
            "reading_distance_cm": self.reading_distance_cm(),
            "preview": f"/api/v1/signs/templates/{self.name}/preview.png",
        }


def _load(folder: Path) -> SignTemplate:
    meta = json.loads((folder / "template.json").read_text(encoding="utf-8"))
    return SignTemplate(
        name=folder.name, label=meta["label"], description=meta.get("description", ""), folder=folder,
        page=meta["page"], per_page=int(meta.get("per_page", 1)), qr_mm=float(meta["qr_mm"]),
        kinds=tuple(meta["kinds"]) if meta.get("kinds") else None, requires=tuple(meta.get("requires", ())),
        static=tuple(meta.get("static", ())),
        fields={name: FieldSpec.from_json(spec) for name, spec in meta["fields"].items()},
    )


@lru_cache(maxsize=None)
def _catalog(root: str) -> dict[str, SignTemplate]:
    found = {}
    for folder in sorted(Path(root).iterdir()):
        if folder.is_dir() and (folder / "template.json").exists() and (folder / "template.html").exists():
            found[folder.name] = _load(folder)
    return found


def templates() -> dict[str, SignTemplate]:
    return _catalog(str(TEMPLATES_ROOT))


def get(name: str) -> SignTemplate | None:
    return templates().get(name or "")
