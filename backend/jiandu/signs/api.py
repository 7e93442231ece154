"""Routes of sign printing: templates, previews, batches (RQ `print` queue), single codes."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Response, send_file
from flask_smorest import Blueprint

from jiandu import apidoc
from jiandu.errors import ApiError, Conflict, NotFound
from jiandu.org.auth import current_user, login_required
from jiandu.org.models import Point
from jiandu.org.scope import get_visible
from jiandu.org.service import require_role
from jiandu.pagination import paginate
from jiandu.signs import catalog, qr, render, service
from jiandu.signs.models import SignBatch
from jiandu.signs.schemas import (
    BatchArgs, BatchPage, BatchPointSchema, BatchSchema, CheckResultSchema, PreviewArgs, QrArgs, ReprintSchema,
    SelectionSchema, TemplateSchema,
)

blp = Blueprint("signs", __name__, url_prefix="/api/v1",
                description="QR signs: templates, previews, print batches (PDF), single codes")


# --- templates -------------------------------------------------------------------------------------

@blp.route("/signs/templates", methods=["GET"])
@login_required
@blp.response(200, TemplateSchema(many=True))
def list_templates():
    """The sign templates of qr-templates/: paper, signs per sheet, code size, reading distance."""
    return [template.describe() for template in catalog.templates().values()]


@blp.route("/signs/templates/<name>/preview.png", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the template's sample sign", "image/png"))
@login_required
def template_preview(name):
    """The template's sample image (made by the tests from the demo city)."""
    template = catalog.get(name)
    if template is None or not (template.folder / "preview.png").exists():
        raise NotFound("模板预览图")
    return send_file(template.folder / "preview.png", mimetype="image/png", max_age=3600)


@blp.route("/signs/preview.png", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the point's sign on the template, first sheet", "image/png"))
@login_required
@blp.arguments(PreviewArgs, location="query")
def preview(args):
    """One point's sign, as it will print (first sheet), as PNG."""
    user = current_user()
    require_role(user, "admin")
    template = service.template_or_invalid(args["template"])
    point = get_visible(user, Point, args["point_id"], "点位")
    rows = service.check([point], template)
    signs = service.sign_dicts(rows, template, label=service.batch_label(None), printed=service.printed_on())
    with tempfile.TemporaryDirectory(prefix="jiandu-preview-") as folder:
        pdf = Path(folder) / "preview.pdf"
        render.single(template.name, signs, pdf)
        png = render.png_of_pdf(pdf, args["dpi"])
    return Response(png, mimetype="image/png")


# --- batches ----------------------------------------------------------------------------------------

def _selection(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [])}


@blp.route("/signs/check", methods=["POST"])
@login_required
@blp.arguments(SelectionSchema)
@blp.response(200, CheckResultSchema)
def check_selection(data):
    """Check a selection against a template without printing: the same refusals as a batch."""
    user = current_user()
    require_role(user, "admin")
    template = service.template_or_invalid(data["template"])
    points, description = service.select_points(user, _selection(data), template)
    service.check(points, template)
    return {"template": template.name, "total": len(points), "selection": description,
            "pages": -(-len(points) // template.per_page)}


@blp.route("/signs/batches", methods=["GET"])
@login_required
@blp.arguments(BatchArgs, location="query")
@blp.response(200, BatchPage)
def list_batches(args):
    """The print history of the administrator's jurisdiction, newest first."""
    statement = service.list_batches(current_user())
    if "status" in args:
        statement = statement.where(SignBatch.status == args["status"])
    page = paginate(statement, args["page"], args["per_page"])
    page["items"] = [service.describe(batch) for batch in page["items"]]
    return page


@blp.route("/signs/batches", methods=["POST"])
@login_required
@blp.arguments(SelectionSchema)
@blp.response(202, BatchSchema)
def create_batch(data):
    """Check the selection, record the batch, then queue its job on `print` (after the commit)."""
    batch = service.create_batch(current_user(), _selection(data))
    return service.describe(service.start(batch))


@blp.route("/signs/batches/<int:batch_id>", methods=["GET"])
@login_required
@blp.response(200, BatchSchema)
def get_batch(batch_id):
    """Progress: status, done of total, seconds left."""
    return service.describe(service.get_batch(current_user(), batch_id))


@blp.route("/signs/batches/<int:batch_id>/points", methods=["GET"])
@login_required
@blp.response(200, BatchPointSchema(many=True))
def batch_points(batch_id):
    """The points of a batch, in print order (to reprint one of them)."""
    user = current_user()
    return service.points_of(user, service.get_batch(user, batch_id))


@blp.route("/signs/batches/<int:batch_id>/pdf", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the batch's signs, ready to print (an attachment)", "application/pdf"))
@login_required
def batch_pdf(batch_id):
    """The batch's PDF, once done."""
    batch = service.get_batch(current_user(), batch_id)
    if batch.status != "done":
        raise Conflict("该批次尚未印制完成" if batch.status != "failed" else "该批次印制失败，请重新开始",
                       code="not_ready")
    path = service.pdf_file(batch)
    if path is None:
        raise ApiError(410, "gone", "该批次的 PDF 文件已不在服务器上，请重新开始印制")
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"jiandu-signs-{batch.id}-{batch.template}.pdf")


@blp.route("/signs/batches/<int:batch_id>/retry", methods=["POST"])
@blp.doc(**apidoc.NO_BODY)
@login_required
@blp.response(202, BatchSchema)
def retry_batch(batch_id):
    """Start a failed batch again."""
    batch = service.restart(current_user(), batch_id)
    return service.describe(service.start(batch))


@blp.route("/signs/batches/<int:batch_id>/reprint", methods=["POST"])
@login_required
@blp.arguments(ReprintSchema)
@blp.response(202, BatchSchema)
def reprint(data, batch_id):
    """One sign of a batch again (a new, one-sign batch with the same template)."""
    batch = service.reprint(current_user(), batch_id, data["point_id"])
    return service.describe(service.start(batch))


# --- single codes -----------------------------------------------------------------------------------

def _point_for_code(point_id: int) -> Point:
    return get_visible(current_user(), Point, point_id, "点位")


@blp.route("/points/<int:point_id>/qr.svg", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the point's code, vector (an attachment)", "image/svg+xml"))
@login_required
@blp.arguments(QrArgs, location="query")
def point_qr_svg(args, point_id):
    """The point's code as SVG (vector; 1.5 mm modules, the short code below unless caption=false)."""
    point = _point_for_code(point_id)
    body = qr.svg_file(qr.point_url(service.base_url(), point.code), caption=point.code if args["caption"] else None)
    return Response(body, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="jiandu-{point.code}.svg"'})


@blp.route("/points/<int:point_id>/qr.png", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the point's code (an attachment)", "image/png"))
@login_required
@blp.arguments(QrArgs, location="query")
def point_qr_png(args, point_id):
    """The point's code as PNG (`scale` pixels per module, quiet zone of 4 modules)."""
    point = _point_for_code(point_id)
    body = qr.png_file(qr.point_url(service.base_url(), point.code), args["scale"])
    return Response(body, mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="jiandu-{point.code}.png"'})
