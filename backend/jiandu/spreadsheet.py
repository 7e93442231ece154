"""Ledgers exported to Excel: a bold Chinese header row, column widths, times shown in Asia/Shanghai.

Every text goes in as text. A cell whose text begins with = + - @ (or a tab or a carriage return,
which spreadsheet programs skip before looking) would otherwise be a live formula, and a citizen's
words ("=HYPERLINK(…)") reach the ledger; such a cell is stored as a string with Excel's quote
prefix, so it shows what was written and stays text when someone edits it.
"""
from __future__ import annotations

import io
from datetime import datetime
from string import ascii_uppercase

from jiandu.timeutil import to_local

TIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


class LedgerSheet:
    """A write-only workbook with one sheet: append rows, then `bytes()`."""

    def __init__(self, title: str, headers: list[str], widths: tuple[int, ...]):
        # openpyxl takes ~0.25 s to import: loaded by the first export, not by every process at start-up.
        from openpyxl import Workbook  # noqa: PLC0415
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
        from openpyxl.styles import Font  # noqa: PLC0415

        self._cell = WriteOnlyCell
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        for column, width in zip(ascii_uppercase, widths):
            self.sheet.column_dimensions[column].width = width
        header = []
        for title_text in headers:
            cell = self._text(title_text)
            cell.font = Font(bold=True)
            header.append(cell)
        self.sheet.append(header)

    def _text(self, value):
        """A cell holding `value`; a text that could be read as a formula, as quoted text."""
        cell = self._cell(self.sheet, value=value)
        if _looks_like_formula(value):
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell

    def time(self, moment: datetime | None):
        """A cell with a UTC moment as Asia/Shanghai wall time (Excel has no time zones)."""
        local = to_local(moment)
        cell = self._cell(self.sheet, value=local.replace(tzinfo=None) if local else None)
        cell.number_format = TIME_FORMAT
        return cell

    def append(self, row: list) -> None:
        self.sheet.append([self._text(value) if _looks_like_formula(value) else value for value in row])

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()
