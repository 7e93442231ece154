"""What @blp.doc says of the routes that read and build their JSON by hand: their request body, their
binary answers and their query parameters, in OpenAPI's words. Documentation only: what a route
does never depends on it (tests/support/openapi_check.py holds the document to the answers)."""
from jiandu.pagination import MAX_PER_PAGE

BINARY = {"type": "string", "format": "binary"}


def body(content: dict, required: bool = True) -> dict:
    """The request body, by media type: body({"application/json": SomeIn, "multipart/form-data": FormIn})."""
    return {"requestBody": {"required": required,
                            "content": {media: {"schema": schema} for media, schema in content.items()}}}


def json_body(schema, required: bool = True) -> dict:
    return body({"application/json": schema}, required)


def multipart_body(schema) -> dict:
    return body({"multipart/form-data": schema})


# A POST that takes nothing says so: every POST, PUT and PATCH describes its body.
NO_BODY = json_body({"type": "object"}, required=False)


def binary_answer(description: str, *media_types: str) -> dict:
    """A 200 whose answer is a file (an image, a PDF, a workbook) of one of these media types."""
    return {"responses": {"200": {"description": description,
                                  "content": {media: {"schema": BINARY} for media in media_types}}}}


def query(*params: tuple) -> dict:
    """Query parameters of a route that reads request.args itself: (name, type, description) each."""
    return {"parameters": [{"in": "query", "name": name, "required": False, "schema": {"type": kind},
                            "description": text} for name, kind, text in params]}


PAGE_QUERY = (("page", "integer", "from 1"), ("per_page", "integer", f"1 to {MAX_PER_PAGE}, default 50"))
