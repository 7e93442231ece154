"""From an HTTP request to a Submission: JSON, multipart or urlencoded, photos bounded as they are read."""
from __future__ import annotations

import base64
import binascii

from flask import request

from jiandu.errors import Invalid
from jiandu import devices
from jiandu.files.photos import MAX_PHOTO_BYTES, MAX_PHOTOS
from jiandu.intake.submission import Submission, Upload
from jiandu.ratelimit import client_key

FIELDS = ("point_code", "kind", "rating", "category", "description", "anonymous", "name", "phone", "homepage",
          "lang", "origin", "page", "rating_token")
MAX_FIELD_CHARS = 8000


def _too_big(index: int) -> Invalid:
    return Invalid({"photos": f"第 {index} 张照片：照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB"})


def _uploads_from_files() -> list[Upload]:
    uploads = []
    files = [f for f in request.files.getlist("photos") if f and (f.filename or f.content_length)]
    if len(files) > MAX_PHOTOS:
        raise Invalid({"photos": f"最多上传 {MAX_PHOTOS} 张照片"})
    for index, storage in enumerate(files, start=1):
        data = storage.stream.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise _too_big(index)
        if data:
            uploads.append(Upload(storage.filename or f"photo{index}", data))
    return uploads


def _uploads_from_json(items) -> list[Upload]:
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise Invalid({"photos": "照片应为 base64 字符串的列表"})
    if len(items) > MAX_PHOTOS:
        raise Invalid({"photos": f"最多上传 {MAX_PHOTOS} 张照片"})
    uploads = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, str):
            raise Invalid({"photos": f"第 {index} 张照片格式不正确"})
        if len(item) > MAX_PHOTO_BYTES * 4 // 3 + 128:
            raise _too_big(index)
        encoded = item.split(",", 1)[1] if item.startswith("data:") else item
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid({"photos": f"第 {index} 张照片不是有效的 base64 数据"}) from None
        uploads.append(Upload(f"photo{index}", data))
    return uploads


def submission_from_request(client: str, key: str | None) -> Submission:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise Invalid({"_": "请求体应为 JSON 对象"})
        fields = {name: body.get(name) for name in FIELDS}
        for name, value in fields.items():
            if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
                fields[name] = value[:MAX_FIELD_CHARS]
            elif isinstance(value, (dict, list)) and name != "reasons":
                raise Invalid({name: "格式不正确"})
        fields["reasons"] = body.get("reasons")
        if fields["reasons"] is not None and not isinstance(fields["reasons"], (list, str)):
            raise Invalid({"reasons": "原因应为代码列表"})
        uploads = _uploads_from_json(body.get("photos"))
    else:
        form = request.form
        fields = {name: form.get(name) for name in FIELDS}
        fields["reasons"] = form.getlist("reasons")
        uploads = _uploads_from_files()
    origin = fields.get("origin") if isinstance(fields.get("origin"), str) else None
    page = fields.get("page") if isinstance(fields.get("page"), str) else None
    lang = fields.get("lang") if isinstance(fields.get("lang"), str) else "zh"
    return Submission(fields=fields, uploads=uploads, key=key, client=client, origin=origin, page=page, lang=lang,
                      device=devices.current(), address=client_key())
