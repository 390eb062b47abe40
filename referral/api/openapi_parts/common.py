"""Building blocks the OpenAPI parts share: parameters, responses and the error schema."""

JSON = "application/json"
FHIR_JSON = "application/fhir+json"
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
STRINGS = {"type": "array", "items": {"type": "string"}}


def ref(name: str) -> dict:
    """A reference to a schema in components."""
    return {"$ref": f"#/components/schemas/{name}"}


def query(name: str, schema: dict, description: str, example=None, *, required: bool = False, **extra) -> dict:
    """A query parameter."""
    parameter = {"name": name, "in": "query", "required": required, "description": description, "schema": schema, **extra}
    if example is not None:
        parameter["example"] = example
    return parameter


def path(name: str, schema: dict, description: str, example=None) -> dict:
    """A path parameter."""
    parameter = {"name": name, "in": "path", "required": True, "description": description, "schema": schema}
    if example is not None:
        parameter["example"] = example
    return parameter


def content(schema: dict, media_type: str = JSON, example=None) -> dict:
    """A content map with one media type."""
    body = {"schema": schema}
    if example is not None:
        body["example"] = example
    return {media_type: body}


def ok(description: str, schema: dict, media_type: str = JSON, example=None) -> dict:
    """A 200 response."""
    return {"description": description, "content": content(schema, media_type, example)}


def error(description: str, media_type: str = JSON) -> dict:
    """An error response in the API's error shape (or an OperationOutcome for FHIR)."""
    schema = ref("OperationOutcome") if media_type == FHIR_JSON else ref("Error")
    return {"description": description, "content": content(schema, media_type)}


COMPONENT_SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "parameter": {**NULLABLE_STRING, "description": "The parameter or field at fault, if one is."},
                    "message": {"type": "string"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"},
                               "description": "Every offending parameter and its message."},
                },
            }
        },
        "example": {"error": {"parameter": "radius", "message": "radius must be between 1 and 100 miles"}},
    },
}
