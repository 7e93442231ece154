"""The rules of sign printing: what may be printed, by whom, and the life of a batch.

A batch is checked completely before its row is written (empty selection, unknown template,
deactivated points, texts that do not fit, characters no font has), enqueued on the `print`
queue only after that row has committed, and watched: a batch whose job died is retried once
and then marked failed with its reason, and an administrator can start it again.
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jiandu import audit
from jiandu.errors import ApiError, Conflict, Invalid
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Unit, User
from jiandu.org.scope import get_visible, visible
from jiandu.org.service import require_role
from jiandu.queue import queue, redis_connection
from jiandu.signs import catalog, qr
from jiandu.signs.content import SignProblem, check_point, point_label, sign
from jiandu.signs.models import SignBatch
from jiandu.signs.render import CHUNK_SIGNS
from jiandu.timeutil import to_local, utcnow

log = logging.getLogger(__name__)

MAX_BATCH = 5000
MAX_ATTEMPTS = 2                  # a job that died is run once more before the batch is failed
HEARTBEAT_KEY = "jiandu:signs:batch:{id}:alive"
HEARTBEAT_TTL = 30                # seconds without a beat before a running batch is taken for dead
                                  # (setting SIGNS_HEARTBEAT_TTL)
JOB_TIMEOUT = 3600
OUT_OF_SCOPE = "不存在或不在您的管辖范围内"


# --- settings and places ------------------------------------------------------------------------

def hotline() -> str:
    return current_app.config.get("COMMISSION_HOTLINE") or ""


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def setting(name: str, default):
    """A signs setting: the app's config, else the environment (a worker started from the shell)."""
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name)
    return type(default)(value) if value not in (None, "") else default


def signs_dir() -> Path:
    instance = setting("JIANDU_INSTANCE", "") or current_app.instance_path
    folder = Path(instance) / "signs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pdf_file(batch: SignBatch) -> Path | None:
    if not batch.pdf_path:
        return None
    path = signs_dir() / batch.pdf_path
    return path if path.exists() else None


def redis_or_none():
    try:
        connection = redis_connection()
        connection.ping()
        return connection
    except Exception:
        return None


# --- points as plain data --------------------------------------------------------------------

def _jurisdiction_names(paths: set[str]) -> dict[str, str]:
    """'/1/4/' → '包头市昆都仑区' (the chain of names, city first)."""
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    names = dict(db.session.execute(select(Jurisdiction.id, Jurisdiction.name).where(Jurisdiction.id.in_(ids))).all())
    return {path: "".join(names.get(int(part), "") for part in path.strip("/").split("/") if part) for path in paths}


def point_rows(points: list[Point]) -> list[dict]:
    """Everything a sign shows about each point, as plain dicts (what the render processes get)."""
    if not points:
        return []
    paths = {p.jurisdiction.path for p in points}
    chains = _jurisdiction_names(paths)
    hall_ids = {p.hall_id for p in points if p.hall_id}
    hall_mn = {}
    if hall_ids:
        hall_mn = dict(db.session.execute(
            select(Point.hall_id, Point.name_mn).where(Point.hall_id.in_(hall_ids), Point.type == "hall")
        ).all())
    rows = []
    for p in points:
        project = p.project
        rows.append({
            "id": p.id, "code": p.code, "type": p.type, "name": p.name, "name_mn": p.name_mn, "number": p.number,
            "active": bool(p.active), "address": p.address,
            "hall": p.hall.name if p.hall else None, "hall_mn": hall_mn.get(p.hall_id),
            "department": p.department.name if p.department else None,
            "jurisdiction": chains.get(p.jurisdiction.path, p.jurisdiction.name),
            "project": {"name": project.name, "owner": project.owner_enterprise,
                        "construction": project.construction_enterprise,
                        "location": project.location} if project else None,
        })
    return rows


def _load_points(statement) -> list[Point]:
    statement = statement.options(selectinload(Point.hall), selectinload(Point.department),
                                  selectinload(Point.project), selectinload(Point.jurisdiction))
    return list(db.session.scalars(statement).all())


def _order(points: list[Point]) -> list[Point]:
    """Print order: by hall, windows by number, then the rest by kind and name."""
    def key(p: Point):
        number = int(p.number) if (p.number or "").isdigit() else 10**6
        return (p.hall_id or 10**9, p.type != "hall", number, p.type, p.id)

    return sorted(points, key=key)


# --- selection -------------------------------------------------------------------------------------

def select_points(user: User, data: dict, template: catalog.SignTemplate) -> tuple[list[Point], str]:
    """The points a request means, within the user's scope; and a short description for the history."""
    given = [k for k in ("point_ids", "codes", "hall_id", "jurisdiction_id") if data.get(k) not in (None, [], "")]
    if not given:
        raise Invalid({"points": "请选择要印制的点位（点位、监督码、大厅或辖区）"}, "没有选择任何点位")
    if len(given) > 1:
        raise Invalid({given[1]: "点位、监督码、大厅、辖区只能选一种方式"})
    how = given[0]
    statement = visible(user, Point)
    if how in ("point_ids", "codes"):
        wanted = [int(i) for i in data["point_ids"]] if how == "point_ids" else \
            [str(c).strip().upper() for c in data["codes"] if str(c).strip()]
        if len(wanted) > MAX_BATCH:
            raise Invalid({how: f"一批最多印制 {MAX_BATCH} 个点位"})
        column = Point.id if how == "point_ids" else Point.code
        points = _load_points(statement.where(column.in_(wanted)))
        found = {p.id if how == "point_ids" else p.code for p in points}
        unknown = [str(w) for w in dict.fromkeys(wanted) if w not in found]
        if unknown:
            label = "点位" if how == "point_ids" else "监督码"
            raise Invalid({how: f"{label} {'、'.join(unknown[:10])}{' 等' if len(unknown) > 10 else ''}{OUT_OF_SCOPE}"})
        by_key = {(p.id if how == "point_ids" else p.code): p for p in points}
        ordered = [by_key[w] for w in dict.fromkeys(wanted)]
        description = f"{len(ordered)} 个点位" if how == "point_ids" else f"监督码 {len(ordered)} 个"
        return ordered, description
    # A whole hall or a jurisdiction subtree: the active points the template is meant for.
    if how == "hall_id":
        hall = get_visible(user, Unit, int(data["hall_id"]), "大厅")
        if hall.kind != "hall":
            raise Invalid({"hall_id": "所选单位不是服务大厅"})
        statement = statement.where(Point.hall_id == hall.id)
        description = hall.name
    else:
        place = get_visible(user, Jurisdiction, int(data["jurisdiction_id"]), "辖区")
        subtree = select(Jurisdiction.id).where(Jurisdiction.path.startswith(place.path))
        statement = statement.where(Point.jurisdiction_id.in_(subtree))
        description = place.name
    statement = statement.where(Point.active.is_(True))
    kinds = data.get("kinds") or ([data["kind"]] if data.get("kind") else None) or template.kinds
    if kinds:
        statement = statement.where(Point.type.in_(list(kinds)))
    if data.get("department_id"):
        statement = statement.where(Point.department_id == int(data["department_id"]))
    points = _order(_load_points(statement))
    if len(points) > MAX_BATCH:
        raise Invalid({how: f"选中了 {len(points)} 个点位，一批最多 {MAX_BATCH} 个，请分批印制"})
    return points, description


def check(points: list[Point], template: catalog.SignTemplate) -> list[dict]:
    """Every point against the template; raises Invalid listing what stops the print."""
    if not points:
        raise Invalid({"points": "所选范围内没有可印制的点位"}, "没有可印制的点位")
    rows = point_rows(points)
    problems = []
    for row in rows:
        try:
            check_point(row, template, hotline())
        except SignProblem as problem:
            problems.append({"point_id": row["id"], "code": row["code"], "message": str(problem)})
    if problems:
        shown = "；".join(p["message"] for p in problems[:5])
        more = f"；另有 {len(problems) - 5} 个点位有问题" if len(problems) > 5 else ""
        raise ApiError(422, "invalid", f"{len(problems)} 个点位无法印制：{shown}{more}",
                       {"points": shown + more}, extra={"problems": problems[:200]})
    return rows


def template_or_invalid(name: str | None) -> catalog.SignTemplate:
    template = catalog.get(name or "")
    if template is None:
        known = "、".join(catalog.templates())
        raise Invalid({"template": f"没有名为「{name or ''}」的模板，可选：{known}"}, "未知的模板")
    return template


# --- sign data --------------------------------------------------------------------------------

def batch_label(batch_id: int | None) -> str:
    return f"#{batch_id}" if batch_id else "预览"


def printed_on(moment=None) -> str:
    return to_local(moment or utcnow()).strftime("%Y-%m-%d")


def sign_dicts(rows: list[dict], template: catalog.SignTemplate, *, label: str, printed: str,
               with_codes: bool = True) -> list[dict]:
    """The plain dicts the templates render. with_codes=False for batches: their codes are drawn
    from the cache chunk by chunk (see render.render_to_file), not carried in every dict."""
    urls = {row["id"]: qr.point_url(base_url(), row["code"]) for row in rows}
    symbols = qr.symbols(list(urls.values()), redis_or_none()) if with_codes else {}
    return [sign(row, template, url=urls[row["id"]], qr=symbols.get(urls[row["id"]]), hotline=hotline(),
                 batch_label=label, printed=printed) for row in rows]


def code_symbols():
    """For render_to_file: codes from the shared cache (Redis), made and cached when missing."""
    redis = redis_or_none()
    return lambda urls: qr.symbols(urls, redis, keep_local=False)


# --- batches -----------------------------------------------------------------------------------

def create_batch(user: User, data: dict, reprint_of: SignBatch | None = None) -> SignBatch:
    """Check everything, then write the batch row (not committed, not enqueued)."""
    require_role(user, "admin")
    template = template_or_invalid(data.get("template"))
    points, description = select_points(user, data, template)
    check(points, template)
    batch = SignBatch(created_by=user.id, jurisdiction_id=user.jurisdiction_id, template=template.name,
                      selection=description[:255], status="queued", done=0, total=len(points),
                      reprint_of=reprint_of.id if reprint_of else None)
    batch.point_ids = [p.id for p in points]
    db.session.add(batch)
    db.session.flush()
    audit.record(user.id, "sign_batch_create", batch, template=template.name, total=len(points))
    return batch


def start(batch: SignBatch) -> SignBatch:
    """Commit the batch, then put its job on the queue and commit what that says (its job id, or
    that the queue was away): a job never runs before its row exists."""
    db.session.commit()
    enqueue(batch)
    db.session.commit()
    return batch


def enqueue(batch: SignBatch) -> SignBatch:
    """Put the batch's job on the `print` queue; call only after the batch row has committed."""
    try:
        job = queue("print").enqueue("jiandu.signs.jobs.render_batch", batch.id, job_timeout=JOB_TIMEOUT,
                                     result_ttl=86400, failure_ttl=7 * 86400,
                                     description=f"signs batch {batch.id} ({batch.template}, {batch.total})")
    except Exception as error:  # Redis unreachable: the batch says so, and can be started again
        log.warning("could not enqueue sign batch %s: %s", batch.id, error)
        batch.status, batch.finished_at = "failed", utcnow()
        batch.error = "任务队列（Redis）暂时不可用，请稍后点击“重新开始”"
        return batch
    batch.job_id = job.id
    return batch


def get_batch(user: User, batch_id: int) -> SignBatch:
    require_role(user, "admin")
    return get_visible(user, SignBatch, batch_id, "印制批次")


def list_batches(user: User):
    require_role(user, "admin")
    return visible(user, SignBatch).order_by(SignBatch.id.desc())


def restart(user: User, batch_id: int) -> SignBatch:
    batch = get_batch(user, batch_id)
    if batch.status not in ("failed",):
        raise Conflict("只有失败的批次可以重新开始" if batch.status != "done" else "该批次已完成，可直接下载",
                       code="not_failed")
    reset(batch)
    audit.record(user.id, "sign_batch_restart", batch)
    return batch


def reset(batch: SignBatch) -> None:
    _remove_leftovers(batch)
    batch.status, batch.done, batch.error, batch.job_id = "queued", 0, None, None
    batch.started_at = batch.finished_at = None


def reprint(user: User, batch_id: int, point_id: int) -> SignBatch:
    """One sign again, from a batch of the history, with the same template."""
    original = get_batch(user, batch_id)
    if int(point_id) not in original.point_ids:
        raise Invalid({"point_id": "该点位不在这个批次中"})
    return create_batch(user, {"template": original.template, "point_ids": [int(point_id)]}, reprint_of=original)


# --- progress and liveness --------------------------------------------------------------------

def eta_seconds(batch: SignBatch) -> int | None:
    if batch.status != "running" or not batch.started_at or not batch.done:
        return None if batch.status != "done" else 0
    elapsed = (utcnow() - batch.started_at).total_seconds()
    rate = batch.done / max(elapsed, 0.001)
    return int(round((batch.total - batch.done) / rate)) if rate > 0 else None


def heartbeat_key(batch_id: int) -> str:
    return HEARTBEAT_KEY.format(id=batch_id)


def heartbeat_ttl() -> int:
    return setting("SIGNS_HEARTBEAT_TTL", HEARTBEAT_TTL)


def chunk_signs() -> int:
    return setting("SIGNS_CHUNK_SIGNS", CHUNK_SIGNS)


def fail(batch: SignBatch, reason: str) -> None:
    _remove_leftovers(batch)
    batch.status, batch.error, batch.finished_at = "failed", reason[:2000], utcnow()


def _remove_leftovers(batch: SignBatch) -> None:
    """Temporary files of an interrupted run (the final PDF is only ever written whole)."""
    folder = signs_dir()
    for leftover in list(folder.glob(f".batch-{batch.id}.pdf.*")):
        try:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink()
        except OSError:
            pass


def new_lock_token() -> str:
    return secrets.token_hex(8)


def describe(batch: SignBatch) -> dict:
    template = catalog.get(batch.template)
    return {
        "id": batch.id, "template": batch.template, "template_label": template.label if template else batch.template,
        "selection": batch.selection, "status": batch.status, "done": batch.done, "total": batch.total,
        "eta_seconds": eta_seconds(batch), "error": batch.error, "attempts": batch.attempts,
        "pages": batch.pages, "pdf_bytes": batch.pdf_bytes,
        "pdf_url": f"/api/v1/signs/batches/{batch.id}/pdf" if batch.status == "done" else None,
        "reprint_of": batch.reprint_of, "created_by": batch.created_by,
        "created_at": batch.created_at, "started_at": batch.started_at, "finished_at": batch.finished_at,
    }


def points_of(user: User, batch: SignBatch) -> list[dict]:
    """The points of a batch (for choosing one to reprint)."""
    ids = batch.point_ids
    points = {p.id: p for p in db.session.scalars(visible(user, Point).where(Point.id.in_(ids)))}
    return [{"id": i, "code": points[i].code, "label": point_label({"type": points[i].type, "number": points[i].number,
             "hall": points[i].hall.name if points[i].hall else "", "name": points[i].name, "code": points[i].code}),
             "active": points[i].active} for i in ids if i in points]
