"""Every answer the API gives in the tests is held against the OpenAPI document (/api/openapi.json)
that other systems build on: a 2xx JSON answer must match the schema the document gives for it, and a
JSON body the API accepted (2xx) must be one the document describes for the operation.

The app fixture's test client does this on every request (openapi-core validates the answer against
the document, made once per app). An operation the document gives no schema for is not checked
here; tests/test_openapi.py lists those.
"""
from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.response.exceptions import ResponseValidationError

_documents: dict[int, tuple[OpenAPI, list]] = {}


def document(app) -> tuple[OpenAPI, list]:
    """The app's document, and (path pattern, its operations) to find what it says of a request."""
    found = _documents.get(id(app))
    if found is None:
        spec = app.test_client_class.__base__(app).get("/api/openapi.json").get_json()
        paths = [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"),
                  {**operations, "_templated": path.count("{")})
                 for path, operations in spec["paths"].items()]
        found = _documents[id(app)] = (OpenAPI.from_dict(spec), paths)
    return found


def documented(paths: list, method: str, path: str, status: int) -> bool:
    """Whether the document describes this status of this operation with a JSON schema (every
    operation also has flask-smorest's `default` error answer, which says nothing of a 2xx). A
    literal path (/projects/import) is preferred to a template that also matches (/projects/{id})."""
    matching = [operations for pattern, operations in paths if pattern.match(path) and method.lower() in operations]
    if not matching:
        return False
    operation = min(matching, key=lambda operations: operations["_templated"])[method.lower()]
    answer = operation.get("responses", {}).get(str(status), {})
    return "schema" in answer.get("content", {}).get("application/json", {})


def check(app, response) -> None:
    request = response.request
    if not request.path.startswith("/api/v1/") or not 200 <= response.status_code < 300:
        return
    if response.mimetype != "application/json":
        return
    openapi, paths = document(app)
    if not documented(paths, request.method, request.path, response.status_code):
        return  # tests/test_openapi.py lists what the document leaves out
    # What the request was (method, path, query), without its body: the app has read that already.
    asked = Request(EnvironBuilder(method=request.method, path=request.path, base_url=request.host_url,
                                   query_string=request.query_string.decode("latin-1")).get_environ())
    try:
        openapi.validate_response(WerkzeugOpenAPIRequest(asked), WerkzeugOpenAPIResponse(response))
    except (PathError, ResponseNotFound, MediaTypeNotFound):
        return  # not documented: tests/test_openapi.py says so
    except ResponseValidationError as error:
        detail = "; ".join(str(e) for e in getattr(error.__cause__, "schema_errors", []) or [error.__cause__])
        raise AssertionError(f"{request.method} {request.path} answered {response.status_code} with what the "
                             f"OpenAPI document does not describe: {error}: {detail}") from None


def check_request(app, asked: Request, response) -> None:
    """A JSON body the API accepted (2xx) must be one the document describes for the operation."""
    if not asked.path.startswith("/api/v1/") or not 200 <= response.status_code < 300:
        return
    if asked.mimetype != "application/json":
        return  # multipart (photos) and bodiless requests: their fields are described, not validated here
    openapi, paths = document(app)
    try:
        openapi.validate_request(WerkzeugOpenAPIRequest(asked))
    except (PathError, MediaTypeNotFound):
        return
    except Exception as error:  # openapi-core's request validation errors
        detail = "; ".join(str(e) for e in getattr(error.__cause__, "schema_errors", []) or [error.__cause__])
        raise AssertionError(f"{asked.method} {asked.path} was accepted ({response.status_code}) with a body the "
                             f"OpenAPI document does not describe: {error}: {detail}") from None


class DocumentedClient(FlaskClient):
    def open(self, *args, **kwargs):
        asked = None
        if kwargs.get("json") is not None and (not args or isinstance(args[0], str)):
            builder = EnvironBuilder(*args, **{k: v for k, v in kwargs.items() if k not in ("follow_redirects",)})
            asked = Request(builder.get_environ())
        response = super().open(*args, **kwargs)
        check(self.application, response)
        if asked is not None:
            check_request(self.application, asked, response)
        return response
