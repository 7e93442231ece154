"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""
from flask import jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

MESSAGES_ZH = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "找不到该记录",
    405: "不支持该请求方法",
    409: "记录已被他人修改或与已有请求冲突",
    413: "提交的内容过大",
    415: "不支持的内容类型",
    422: "提交的内容有误，请检查标注的字段",
    429: "操作过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}


class ApiError(Exception):
    """A refusal the domain explains: raised by services, rendered by the API."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, extra: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


class NotFound(ApiError):
    def __init__(self, what: str = "记录"):
        super().__init__(404, "not_found", f"找不到该{what}")


class Invalid(ApiError):
    def __init__(self, fields: dict, message: str | None = None):
        super().__init__(422, "invalid", message or MESSAGES_ZH[422], fields)


class Conflict(ApiError):
    def __init__(self, message: str, code: str = "conflict", extra: dict | None = None):
        super().__init__(409, code, message, extra=extra)


def error_body(status: int, code: str, message: str, fields: dict | None = None, extra: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    body["error"].update(extra or {})
    return body


def _flatten_fields(messages) -> dict:
    """webargs gives {"json": {"name": ["..."]}}; the client wants {"name": "..."}."""
    if not isinstance(messages, dict):
        return {"_": messages}
    if set(messages) <= {"json", "query", "form", "files", "headers", "view_args", "path"}:
        merged = {}
        for location_messages in messages.values():
            merged.update(location_messages if isinstance(location_messages, dict) else {"_": location_messages})
        return merged
    return messages


class JianduApi(Api):
    """flask-smorest's Api, answering errors in the project's shape."""

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", {}) or {}
        fields = _flatten_fields(data.get("messages") or data.get("errors") or {})
        code = {422: "invalid", 400: "bad_request"}.get(error.code, (error.name or "error").lower().replace(" ", "_"))
        message = MESSAGES_ZH.get(error.code, error.description or error.name)
        if error.code == 429 and error.description:
            message = f"{MESSAGES_ZH[429]}（{error.description}）"
        response = jsonify(error_body(error.code, code, message, fields))
        response.status_code = error.code
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 429 and getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        return response


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        response = jsonify(error_body(error.status, error.code, error.message, error.fields, error.extra))
        response.status_code = error.status
        return response


def json_object() -> dict:
    """The request's JSON body, which must be an object; else a 422 that says so."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid({"_": "请求体应为 JSON 对象"})
    return body
