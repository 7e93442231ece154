"""The OpenAPI document (/api/openapi.json) describes every operation of the API, for the systems that
build on it: what each takes and what it answers. tests/support/openapi_check.py holds every answer
the tests get against it."""
from openapi_spec_validator import validate

METHODS = ("get", "post", "put", "patch", "delete")


def _document(app) -> dict:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi(app):
    validate(_document(app))


def test_every_operation_says_what_it_answers_and_what_it_takes(app):
    missing = []
    for path, operations in _document(app)["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            answers = [code for code, answer in operation["responses"].items()
                       if code.startswith("2") and ("content" in answer or code == "204")]
            if not answers:
                missing.append(f"{method.upper()} {path}: no success answer described")
            if method in ("post", "put", "patch") and "requestBody" not in operation:
                missing.append(f"{method.upper()} {path}: no request body described")
    assert missing == []
