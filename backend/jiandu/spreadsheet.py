"""Ledgers exported to Excel: a bold Chinese header row, column widths, times shown in Asia/Shanghai."""
from __future__ import annotations

import io
from datetime import datetime
from string import ascii_uppercase

from jiandu.timeutil import to_local

TIME_FORMAT = "yyyy-mm-dd hh:mm"


class LedgerSheet:
    """A write-only workbook with one sheet: append rows, then `bytes()`."""

    def __init__(self, title: str, headers: list[str], widths: tuple[int, ...]):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._cell = WriteOnlyCell
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        for column, width in zip(ascii_uppercase, widths):
            self.sheet.column_dimensions[column].width = width
        header = []
        for title_text in headers:
            cell = WriteOnlyCell(self.sheet, value=title_text)
            cell.font = Font(bold=True)
            header.append(cell)
        self.sheet.append(header)

    def time(self, moment: datetime | None):
        """A cell with a UTC moment as Asia/Shanghai wall time (Excel has no time zones)."""
        local = to_local(moment)
        cell = self._cell(self.sheet, value=local.replace(tzinfo=None) if local else None)
        cell.number_format = TIME_FORMAT
        return cell

    def append(self, row: list) -> None:
        self.sheet.append(row)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()
