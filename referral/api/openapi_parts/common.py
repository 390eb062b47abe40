"""Building blocks the OpenAPI parts share: parameters, responses and the error schema."""

JSON = "application/json"
# Characters the input boundary refuses in any text (web/input_boundary.py): C0 controls but tab, line feed and
# carriage return, and U+FFFD (what undecodable bytes become). Free-text parameters carry this as their pattern.
REFUSED_CHARACTERS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffd"
READABLE_TEXT = f"^[^{REFUSED_CHARACTERS}]*$"
FHIR_JSON = "application/fhir+json"
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
# How an answer's language is chosen: said in the document's description and on the operations whose answers
# carry labels (a description rather than a header parameter, which every operation would have to repeat).
LANGUAGE = ("In /api/v1 answers, labels for people (the `label` of a list value, a referral's `state_label`) follow the "
            "request's Accept-Language header: Spanish when it prefers es (for example `Accept-Language: es`), else English. "
            "The answer names its language in Content-Language and carries `Vary: Accept-Language`. Slugs, keys "
            "and error messages are the same in every language.")
LANGUAGE_HEADERS = {
    "Content-Language": {"description": "The language of the answer's labels: en or es.",
                         "schema": {"type": "string", "enum": ["en", "es"]}},
    "Vary": {"description": "Includes Accept-Language: the labels depend on it.", "schema": {"type": "string"}},
}
# On a parameter (or a property of an object parameter): the values the server accepts depend on its data, named
# here; a well-formed value it does not hold is refused with 400 naming the parameter.
VALUES_FROM = "x-values-from"


def ref(name: str) -> dict:
    """A reference to a schema in components."""
    return {"$ref": f"#/components/schemas/{name}"}


def query(name: str, schema: dict, description: str, example=None, *, required: bool = False, **extra) -> dict:
    """A query parameter."""
    parameter = {"name": name, "in": "query", "required": required, "description": description, "schema": schema, **extra}
    if example is not None:
        parameter["example"] = example
    return parameter


def requires(name: str, *alternatives: list[str], value: str | None = None) -> dict:
    """An entry of an operation's x-parameter-dependencies: when `name` is given (with `value`, if one is named),
    every parameter of at least one of the alternatives must be given too, else 400 names `name` or one it needs."""
    rule = {"parameter": name, "requires_one_of": [list(names) for names in alternatives]}
    if value is not None:
        rule["value"] = value
    return rule


def any_case(words, *, empty: bool = True) -> str:
    """A pattern matching one of these words in any case (and, with empty, nothing)."""
    either_case = ("".join(f"[{letter.upper()}{letter.lower()}]" if letter.isalpha() else letter for letter in word)
                   for word in sorted(words))
    return f"^({'|'.join(either_case)}){'?' if empty else ''}$"


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


def ok(description: str, schema: dict, media_type: str = JSON, example=None, *, labelled: bool = False) -> dict:
    """A 200 response; a labelled one carries labels in the language Accept-Language asks for."""
    response = {"description": description, "content": content(schema, media_type, example)}
    if labelled:
        response["headers"] = LANGUAGE_HEADERS
    return response


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
