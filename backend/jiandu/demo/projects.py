"""Demo records of the projects capability, on top of the demo city's eight projects.

`seed_projects(rng)` (called by the demo seed) fills in the registry (credit codes, departments
involved, liaison cadres), approval items in every colour (green, yellow, red, done on time, done
late), payments (paid, due, overdue), milestones, and two blockers from the demo enterprise user
with their cases. Dates are counted back from today, so the colours hold whenever the demo is made.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from jiandu.cases.service import open_case
from jiandu.demo import data
from jiandu.extensions import db
from jiandu.org.models import Point, Project, Unit, User
from jiandu.projects import credit_code, rules, service
from jiandu.projects.models import (STAGES, ApprovalItem, Blocker, BlockerCategory, Milestone, Payment,
                                    project_departments)
from jiandu.timeutil import utcnow
from jiandu.workdays import Calendar

LIAISONS = ["王志刚", "刘海燕", "张建华", "李文斌", "杨晓东", "赵丽萍", "孙国庆", "周振宇"]
# (name, department key, statutory, promised)
APPROVALS = [
    ("建设项目用地预审与选址意见书", "land", 20, 10),
    ("建设用地规划许可证", "land", 20, 7),
    ("建设工程规划许可证", "land", 20, 10),
    ("施工图设计文件审查备案", "housing", 15, 7),
    ("建筑工程施工许可证", "housing", 7, 3),
    ("消防设计审查", "housing", 15, 10),
    ("企业投资项目备案", "approval", 5, 2),
]
# What each colour needs: working days already elapsed as a share of the promised limit.
PLAN = ["green", "yellow", "red", "done", "done_late", "green", "red"]
MILESTONES = [("取得用地规划许可", "land_planning"), ("取得工程规划许可", "construction_permit_prep"),
              ("开工建设", "construction_permit"), ("主体结构封顶", "construction_permit"),
              ("竣工验收", "completion")]


def _back(today: date, workdays: int, calendar: Calendar) -> date:
    """The day `workdays` working days before today (so that elapsed(today) == workdays)."""
    day, counted = today, 0
    while counted < workdays:
        if calendar.is_workday(day):
            counted += 1
        day -= timedelta(days=1)
    return day


def seed_projects(rng: random.Random) -> dict:
    """Make the demo records in the current session (flushed, not committed); return counts."""
    calendar = Calendar.load()
    today = rules.local_today()
    percent = rules.DEFAULT_SETTINGS["approval_yellow_percent"]
    service.ensure_categories()
    codes = {e["name"]: credit_code.make(e["division_code"], e["org_body"]) for e in data.ENTERPRISES}
    projects = list(db.session.scalars(select(Project).order_by(Project.id)))
    counts = {"approval_items": 0, "payments": 0, "milestones": 0, "blockers": 0}
    for index, project in enumerate(projects):
        project.owner_credit_code = codes.get(project.owner_enterprise)
        project.construction_credit_code = codes.get(project.construction_enterprise)
        project.liaison_name = LIAISONS[index % len(LIAISONS)]
        project.liaison_phone = f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
        by_key = _departments(project)
        db.session.execute(project_departments.delete().where(project_departments.c.project_id == project.id))
        if by_key:
            db.session.execute(project_departments.insert(), [
                {"project_id": project.id, "department_id": u.id} for u in by_key.values()])
        # Approval items: every colour on the first projects, a mix on the rest.
        for number, (name, key, statutory, promised) in enumerate(APPROVALS):
            unit = by_key.get(key)
            if unit is None:
                continue
            colour = PLAN[(number + index) % len(PLAN)]
            threshold = rules.yellow_threshold(promised, percent)
            elapsed = {"green": max(0, threshold - 2), "yellow": threshold if threshold <= promised else promised,
                       "red": promised + rng.randint(2, 6), "done": promised - 1,
                       "done_late": promised + 2}[colour]
            submitted = _back(today, elapsed + (3 if colour.startswith("done") else 0), calendar)
            done_on = None
            if colour == "done":
                done_on = rules.nth_workday_after(submitted, max(1, promised - 1), calendar)[0]
            elif colour == "done_late":
                done_on = rules.nth_workday_after(submitted, promised + 2, calendar)[0]
            dates = rules.approval_dates(submitted, promised, calendar, percent)
            db.session.add(ApprovalItem(
                project_id=project.id, jurisdiction_id=project.jurisdiction_id, department_id=unit.id, name=name,
                submitted_on=submitted, statutory_days=statutory, promised_days=promised, done_on=done_on,
                yellow_on=dates.yellow_on, due_on=dates.due_on, provisional=dates.provisional, warning="none"))
            counts["approval_items"] += 1
        # Payments: one paid, one due soon, one overdue (government payer), one capped contract.
        payer = next(iter(by_key.values())).name if by_key else "项目所在地政府"
        for kind, delivered_days_ago, contract_days, paid in (
                ("paid", 50, None, True), ("due", 27, None, False), ("overdue", 45, None, False),
                ("capped", 20, 90, False)):
            if kind == "overdue" and index % 2:
                continue
            delivered = today - timedelta(days=delivered_days_ago)
            contract_due = delivered + timedelta(days=contract_days) if contract_days else None
            due = rules.payment_due(delivered, "government", contract_due)
            amount = rng.randrange(50, 3000) * 10000 * 100  # fen
            db.session.add(Payment(
                project_id=project.id, jurisdiction_id=project.jurisdiction_id,
                contract_name=f"{project.name[:20]}{'工程款' if kind != 'capped' else '设备采购款'}（第{len(kind)}期）",
                contract_no=f"HT-{today:%Y}-{project.id:03d}-{len(kind):02d}", payer=payer, payer_kind="government",
                amount_fen=amount, delivered_on=delivered, contract_due_on=contract_due, due_on=due.due_on,
                due_rule=due.rule, paid_on=delivered + timedelta(days=20) if paid else None, warning="none"))
            counts["payments"] += 1
        # Milestones along the stages, the ones before the project's stage done.
        stage_index = list(rules_stages()).index(project.stage) if project.stage in rules_stages() else 0
        for number, (name, stage) in enumerate(MILESTONES):
            planned = today + timedelta(days=(number - stage_index) * 90 + rng.randint(-10, 10))
            done = list(rules_stages()).index(stage) < stage_index or (stage == project.stage and number % 2 == 0)
            db.session.add(Milestone(project_id=project.id, jurisdiction_id=project.jurisdiction_id, name=name,
                                     stage=stage, planned_on=planned,
                                     done_on=min(planned, today) if done else None))
            counts["milestones"] += 1
    db.session.flush()
    counts["blockers"] = _blockers()
    return counts


def rules_stages():
    return STAGES


def _departments(project: Project) -> dict[str, Unit]:
    """The land, housing and approval departments of the project's county (else the city's)."""
    # Not at the top: demo.seed imports this module (seed -> projects -> seed).
    from jiandu.demo.seed import _department_name  # noqa: PLC0415

    county = project.jurisdiction
    while county is not None and county.level == "town":
        county = county.parent
    found = {}
    for spec in data.DEPARTMENTS:
        if spec["key"] not in ("land", "housing", "approval"):
            continue
        names = [spec["city"]]
        if county is not None and county.level == "county" and spec["county"]:
            names.insert(0, _department_name(spec, county.name))
        for name in names:
            unit = db.session.scalar(select(Unit).where(Unit.kind == "department", Unit.name == name))
            if unit is not None:
                found[spec["key"]] = unit
                break
    return found


def _blockers() -> int:
    """Two blockers from the demo enterprise user: one just received, one already assigned."""
    user = db.session.scalar(select(User).where(User.username == "enterprise"))
    if user is None or user.project_id is None:
        return 0
    project = db.session.get(Project, user.project_id)
    point = db.session.scalar(select(Point).where(Point.project_id == project.id, Point.type == "project"))
    department_id = db.session.scalar(select(project_departments.c.department_id)
                                      .where(project_departments.c.project_id == project.id))
    made = 0
    for client_id, code, text in (
            ("demo-blocker-0001", "approval_timeout",
             "施工许可证申请已提交十多个工作日，窗口一直说还在内部流转，没有明确答复。"),
            ("demo-blocker-0002", "arrears", "园区管委会的配套道路工程款验收后已过两个月仍未支付，影响工人工资发放。")):
        category = db.session.scalar(select(BlockerCategory).where(BlockerCategory.code == code))
        case = open_case(channel="project_app", summary=f"{category.name}｜{project.name}：{text}",
                         jurisdiction_id=project.jurisdiction_id, point_id=point.id if point else None,
                         department_id=department_id, project_id=project.id, category=code,
                         case_type=category.case_type, public_note="您反映的堵点已受理")
        db.session.add(Blocker(project_id=project.id, jurisdiction_id=project.jurisdiction_id,
                               department_id=department_id, category=code, description=text, contact_ok=True,
                               reporter_id=user.id, case_id=case.id, client_id=client_id, channel="app",
                               created_at=utcnow()))
        made += 1
    db.session.flush()
    return made
