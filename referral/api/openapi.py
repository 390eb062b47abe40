"""The OpenAPI 3.1 description (/api/v1/openapi.json), merged from per-area parts, and its page (/api/docs)."""
from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template

from ..web.input_boundary import MAX_JSON_DEPTH, MAX_JSON_INTEGER
from . import api_bp
from .openapi_parts import COMMON_SCHEMAS, PARTS, TAG_DESCRIPTIONS
from .openapi_parts.common import FHIR_JSON, JSON, LANGUAGE, READABLE_TEXT, REFUSED_CHARACTERS, error

docs_bp = Blueprint("api_docs", __name__)
# gunicorn.conf.py's limit_request_line.
REQUEST_LINE_LIMIT = 8190
METHODS = ("get", "put", "post", "patch", "delete")
REFUSED_INPUT = (f"Input no field may hold is refused with 400 naming the parameter: text with a control character "
                 f"other than tab, line feed or carriage return, or invalid Unicode; JSON nested deeper than "
                 f"{MAX_JSON_DEPTH} levels or holding an integer beyond ±{MAX_JSON_INTEGER}.")
# Any JSON value the input boundary reads: what a request body's undeclared members may hold (the server ignores them).
READABLE_JSON = "ReadableJson"
READABLE_JSON_SCHEMA = {"anyOf": [
    {"type": "null"}, {"type": "boolean"},
    {"type": "integer", "minimum": -MAX_JSON_INTEGER, "maximum": MAX_JSON_INTEGER},
    {"type": "number", "not": {"type": "integer"}},
    {"type": "string", "pattern": READABLE_TEXT},
    {"type": "array", "items": {"$ref": f"#/components/schemas/{READABLE_JSON}"}},
    {"type": "object", "propertyNames": {"pattern": READABLE_TEXT},
     "additionalProperties": {"$ref": f"#/components/schemas/{READABLE_JSON}"}},
], "description": f"Any JSON the server reads: text without refused characters, integers within ±{MAX_JSON_INTEGER}."}
DEPENDENCIES = ("An operation's x-parameter-dependencies lists the parameters that need others: when `parameter` "
                "is given (with `value`, where one is named), every parameter of at least one list in "
                "`requires_one_of` must be given too, else the answer is 400 naming `parameter` or one it needs. "
                "Parameters sent together are described as one object parameter (form style, exploded), whose "
                "properties are the query parameters. A parameter with x-values-from takes values from the "
                "directory's data, named there: a well-formed value it does not hold is refused with 400.")


def _add_boundary_responses(route: str, operation: dict) -> None:
    """The refusals of the input boundary (web/input_boundary.py), which any operation may answer."""
    media_type = FHIR_JSON if route.startswith("/fhir") else JSON
    operation["responses"].setdefault("400", error(REFUSED_INPUT, media_type))
    if "requestBody" in operation:
        operation["responses"].setdefault("413", error("The body is larger than the server takes.", media_type))
    operation["responses"].setdefault("414", {
        "description": f"The request line is longer than the server reads ({REQUEST_LINE_LIMIT} bytes; gunicorn answers "
                       "with a short HTML page).", "content": {"text/html": {"schema": {"type": "string"}}}})


def _types(schema: dict) -> list:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind]


def bound_by_the_input_boundary(schema: dict, components: dict | None = None) -> None:
    """State in a request's schema what the input boundary refuses: free text (array items, object properties
    and keys) gets the readable-text pattern; in a body (`components` given, for its references) undeclared
    members hold readable JSON, and integers stay within the JSON integer bound."""
    if "$ref" in schema and components is not None:
        bound_by_the_input_boundary(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    elif schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        bound_by_the_input_boundary(schema["items"], components)
    elif schema.get("type") == "object":
        for value in schema.get("properties", {}).values():
            bound_by_the_input_boundary(value, components)
        if schema.get("additionalProperties", True) is not False:
            schema.setdefault("propertyNames", {"pattern": READABLE_TEXT})
            if schema.get("additionalProperties", True) is True and components is not None:
                schema["additionalProperties"] = {"$ref": f"#/components/schemas/{READABLE_JSON}"}
    elif "integer" in _types(schema) and components is not None:
        schema.setdefault("minimum", -MAX_JSON_INTEGER)
        schema.setdefault("maximum", MAX_JSON_INTEGER)
    elif "string" in _types(schema) and not schema.keys() & {"pattern", "enum", "const", "format"}:
        length = f"{{0,{schema['maxLength']}}}" if "maxLength" in schema else "*"
        schema["pattern"] = f"^[^{REFUSED_CHARACTERS}]{length}$"


def build_document() -> dict:
    """The whole OpenAPI document: every part's paths and schemas merged (a clash is a bug)."""
    paths: dict[str, dict] = {}
    schemas = {**copy.deepcopy(COMMON_SCHEMAS), READABLE_JSON: copy.deepcopy(READABLE_JSON_SCHEMA)}
    tags = []
    for part in PARTS:
        for route, item in part.PATHS.items():
            merged = paths.setdefault(route, {})
            clash = merged.keys() & item.keys()
            if clash:
                raise ValueError(f"OpenAPI parts both describe {sorted(clash)} {route}")
            merged.update(copy.deepcopy(item))
        for name, schema in part.SCHEMAS.items():
            if name in schemas and schemas[name] != schema:
                raise ValueError(f"OpenAPI parts define schema {name} differently")
            schemas[name] = copy.deepcopy(schema)
        if part.TAG not in (tag["name"] for tag in tags):
            tags.append({"name": part.TAG, "description": TAG_DESCRIPTIONS.get(part.TAG, "")})
    for route, item in paths.items():
        for method in METHODS:
            if method in item:
                _add_boundary_responses(route, item[method])
                operation = item[method]
                for parameter in operation.get("parameters", []):
                    bound_by_the_input_boundary(parameter["schema"])
                for body in operation.get("requestBody", {}).get("content", {}).values():
                    bound_by_the_input_boundary(body["schema"], schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Open Therapy Directory API",
            "version": "1.0.0",
            "summary": "Search an open directory of mental health clinicians.",
            "description": "Read-only JSON, CSV, FHIR R4 and Open Referral HSDS interfaces to the public directory; "
                           "listing and referral operations for signed-in users. Errors answer "
                           "{\"error\": {\"parameter\", \"message\"}} (FHIR: an OperationOutcome). "
                           "A query parameter with an empty value counts as not given. " + REFUSED_INPUT + " "
                           + DEPENDENCIES + " " + LANGUAGE,
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas},
    }


@api_bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of every API operation."""
    return jsonify(build_document())


def schema_text(schema: dict | None) -> str:
    """A schema as a short phrase for people: "integer, 1 to 100", "array of string", "ProviderSummary"."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    text = " or ".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        text = f"array of {schema_text(schema.get('items')) or 'any'}"
    if "enum" in schema:
        text += ": one of " + ", ".join(str(v) if v != "" else "(empty)" for v in schema["enum"])
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    if low is not None and "maximum" in schema:
        text += f", {low} to {schema['maximum']}"
    if "maxLength" in schema:
        text += f", at most {schema['maxLength']} characters"
    if "pattern" in schema and not schema["pattern"].startswith(f"^[^{REFUSED_CHARACTERS}]"):
        text += f", matching {schema['pattern']}"
    if "format" in schema:
        text += f" ({schema['format']})"
    return text


def _example_url(route: str, operation: dict) -> str:
    if "x-example" in operation:
        return operation["x-example"]
    url = route
    query = []
    for parameter in operation.get("parameters", []):
        example = parameter.get("example")
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", str(example if example is not None else 1))
        elif parameter.get("required") and example is not None:
            query.append((parameter["name"], example))
    return url + (f"?{urlencode(query)}" if query else "")


def _parameter_rows(parameter: dict) -> list[dict]:
    """A parameter as rows of the docs page; an exploded object parameter is one row per query parameter it sends."""
    schema = parameter.get("schema", {})
    if schema.get("type") == "object" and parameter.get("explode"):
        required = schema.get("required", [])
        together = f" Give {' and '.join(required)} together." if len(required) > 1 else ""
        example = parameter.get("example") or {}
        return [{"name": name, "in": parameter["in"], "required": parameter.get("required", False),
                 "schema": schema_text(part), "description": part.get("description", "") + together,
                 "example": example.get(name)}
                for name, part in schema.get("properties", {}).items()]
    return [{"name": parameter["name"], "in": parameter["in"], "required": parameter.get("required", False),
             "schema": schema_text(schema), "description": parameter.get("description", ""),
             "example": parameter.get("example")}]


def _operations(document: dict) -> list[dict]:
    """The operations grouped by tag, ready for the template."""
    groups = {tag["name"]: {"name": tag["name"], "description": tag["description"], "operations": []}
              for tag in document["tags"]}
    for route, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = []
            example_response = None
            for status, response in operation["responses"].items():
                media = response.get("content", {})
                schema = next((schema_text(body.get("schema")) for body in media.values()), "")
                responses.append({"status": status, "description": response.get("description", ""),
                                  "media_types": list(media), "schema": schema})
                for body in media.values():
                    if example_response is None and status.startswith("2") and "example" in body:
                        example = body["example"]
                        example_response = example if isinstance(example, str) else json.dumps(example, indent=2)
            parameters = [row for p in item.get("parameters", []) + operation.get("parameters", [])
                          for row in _parameter_rows(p)]
            body = operation.get("requestBody", {}).get("content", {})
            tag = (operation.get("tags") or ["Other"])[0]
            groups.setdefault(tag, {"name": tag, "description": "", "operations": []})["operations"].append({
                "id": operation.get("operationId") or f"{method}-{route}",
                "method": method.upper(), "path": route, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "parameters": parameters,
                "request_body": [{"media_type": m, "schema": schema_text(b.get("schema"))} for m, b in body.items()],
                "responses": responses, "example_request": f"{method.upper()} {_example_url(route, operation)}",
                "example_response": example_response,
            })
    return [group for group in groups.values() if group["operations"]]


@docs_bp.get("/api/docs")
def docs():
    """The API documentation page, rendered from the OpenAPI document."""
    document = build_document()
    return render_template("api/docs.html", info=document["info"], groups=_operations(document))
