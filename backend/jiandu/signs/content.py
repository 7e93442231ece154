"""What a sign says: from a point (as a plain dict) to the texts of a template, fitted and checked.

Pure functions: no database, no app. `service` loads the points; the render processes only
ever see the dicts made here.
"""
from __future__ import annotations

from jiandu.signs import fit as fitting
from jiandu.signs.catalog import SignTemplate
from jiandu.signs.fonts import missing_characters

TITLE = "码上监督"
SUBTITLE = "营商环境监督码"
KIND_LABELS = {
    "window": "服务窗口", "hall": "服务大厅", "party_centre": "党群服务中心", "convenience_station": "便民服务站",
    "law_enforcement": "执法单位", "grassroots_station": "基层站所", "website": "政府网站", "project": "重大项目",
}
HERE = {
    "window": "本窗口", "hall": "本大厅", "party_centre": "本中心", "convenience_station": "本站",
    "law_enforcement": "本单位", "grassroots_station": "本站所", "website": "本网站", "project": "本项目",
}
FIELD_LABELS = {
    "heading": "标题", "name": "名称", "unit": "部门/单位", "place": "大厅/地址", "jurisdiction": "辖区",
    "what1": "提示语", "what2": "提示语", "hotline": "监督电话", "name_mn": "蒙古文名称", "place_mn": "蒙古文大厅名称",
}
REQUIREMENT_LABELS = {"name_mn": "蒙古文名称（name_mn）"}


class SignProblem(ValueError):
    """A point that cannot be printed with a template, with a message for the administrator."""

    def __init__(self, point: dict, message: str):
        self.point = point
        super().__init__(message)

    @property
    def label(self) -> str:
        return point_label(self.point)


def point_label(point: dict) -> str:
    if point.get("type") == "window" and point.get("number"):
        return f"{point.get('hall') or ''}{point['number']}号窗口（{point['code']}）"
    return f"{point.get('name')}（{point['code']}）"


def texts(point: dict, hotline: str) -> dict[str, str]:
    """Every text a template may show, for one point."""
    kind = point["type"]
    here = HERE.get(kind, "本点位")
    heading = KIND_LABELS.get(kind, "监督点位")
    if kind == "window" and point.get("number"):
        heading = f"{point['number']} 号窗口"
    project = point.get("project") or {}
    if kind == "project":
        name = project.get("name") or point["name"]
        builder = project.get("construction") or project.get("owner")
        unit = f"建设单位：{builder}" if builder else ""
        place = project.get("location") or point.get("address") or ""
        what1 = "扫码反映：审批超时、多头审批、吃拿卡要、干预插手"
        what2 = "建设单位可随时反映堵点痛点，全程跟踪办理"
    else:
        name = point["name"]
        unit = point.get("department") or ""
        place = point.get("hall") if kind == "window" else point.get("address")
        what1 = f"扫码评价：对{here}的服务作出满意度评价"
        what2 = "反映问题：推诿扯皮、吃拿卡要等问题，扫码直接反映"
    return {
        "heading": heading, "name": name, "unit": unit, "place": place or "",
        "jurisdiction": point.get("jurisdiction") or "", "what1": what1, "what2": what2,
        "hotline": f"监督电话 {hotline}" if hotline else "",
        "name_mn": point.get("name_mn") or "", "place_mn": point.get("hall_mn") or "",
    }


def code_groups(code: str) -> list[str]:
    return [code[i:i + 3] for i in range(0, len(code), 3)]


def check_point(point: dict, template: SignTemplate, hotline: str) -> dict[str, dict]:
    """The fitted fields of this point on this template; raises SignProblem."""
    if not point.get("active", True):
        raise SignProblem(point, f"{point_label(point)} 已停用，不能印制")
    if template.kinds and point["type"] not in template.kinds:
        kinds = "、".join(KIND_LABELS.get(k, k) for k in template.kinds)
        raise SignProblem(point, f"{point_label(point)} 是{KIND_LABELS.get(point['type'], point['type'])}，"
                                 f"模板「{template.label}」只用于{kinds}")
    for required in template.requires:
        if not point.get(required):
            raise SignProblem(point, f"{point_label(point)} 没有{REQUIREMENT_LABELS.get(required, required)}，"
                                     f"不能使用双语模板「{template.label}」")
    values = texts(point, hotline)
    fitted = {}
    for field, spec in template.fields.items():
        text = values.get(field, "")
        missing = missing_characters(text, spec.font)
        if missing:
            raise SignProblem(point, f"{point_label(point)} 的{FIELD_LABELS.get(field, field)}中有字体无法显示的字符："
                                     f"{'、'.join(missing[:5])}")
        try:
            fitted[field] = fitting.fit(field, text, spec)
        except fitting.DoesNotFit:
            raise SignProblem(point, f"{point_label(point)} 的{FIELD_LABELS.get(field, field)}「{text}」太长，"
                                     f"模板「{template.label}」放不下"
                                     f"（最多约 {fitting.max_chars_hint(spec)} 字）") from None
    return fitted


def sign(point: dict, template: SignTemplate, *, url: str, qr: dict, hotline: str, batch_label: str,
         printed: str) -> dict:
    """The plain dict a template renders for one point."""
    return {
        "point_id": point["id"], "code": point["code"], "code_groups": code_groups(point["code"]), "url": url,
        "qr": qr, "type": point["type"], "fit": check_point(point, template, hotline),
        "batch_label": batch_label, "printed": printed, "title": TITLE, "subtitle": SUBTITLE,
    }
