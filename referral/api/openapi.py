"""The OpenAPI 3.1 description (/api/v1/openapi.json), merged from per-area parts, and its page (/api/docs)."""
from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template

from ..web.input_boundary import MAX_JSON_DEPTH, MAX_JSON_INTEGER
from . import api_bp
from .openapi_parts import COMMON_SCHEMAS, PARTS, TAG_DESCRIPTIONS
from .openapi_parts.common import FHIR_JSON, JSON, error

docs_bp = Blueprint("api_docs", __name__)
# gunicorn.conf.py's limit_request_line.
REQUEST_LINE_LIMIT = 8190
METHODS = ("get", "put", "post", "patch", "delete")
REFUSED_INPUT = (f"Input no field may hold is refused with 400 naming the parameter: text with a control character "
                 f"other than tab, line feed or carriage return, or invalid Unicode; JSON nested deeper than "
                 f"{MAX_JSON_DEPTH} levels or holding an integer beyond ±{MAX_JSON_INTEGER}.")


def _add_boundary_responses(route: str, operation: dict) -> None:
    """The refusals of the input boundary (web/input_boundary.py), which any operation may answer."""
    media_type = FHIR_JSON if route.startswith("/fhir") else JSON
    operation["responses"].setdefault("400", error(REFUSED_INPUT, media_type))
    if "requestBody" in operation:
        operation["responses"].setdefault("413", error("The body is larger than the server takes.", media_type))
    operation["responses"].setdefault("414", {
        "description": f"The request line is longer than the server reads ({REQUEST_LINE_LIMIT} bytes; gunicorn answers "
                       "with a short HTML page).", "content": {"text/html": {"schema": {"type": "string"}}}})


def build_document() -> dict:
    """The whole OpenAPI document: every part's paths and schemas merged (a clash is a bug)."""
    paths: dict[str, dict] = {}
    schemas = copy.deepcopy(COMMON_SCHEMAS)
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
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Open Therapy Directory API",
            "version": "1.0.0",
            "summary": "Search an open directory of mental health clinicians.",
            "description": "Read-only JSON, CSV, FHIR R4 and Open Referral HSDS interfaces to the public directory; "
                           "listing and referral operations for signed-in users. Errors answer "
                           "{\"error\": {\"parameter\", \"message\"}} (FHIR: an OperationOutcome). "
                           "A query parameter with an empty value counts as not given. " + REFUSED_INPUT,
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
    if "pattern" in schema:
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
            parameters = [
                {"name": p["name"], "in": p["in"], "required": p.get("required", False),
                 "schema": schema_text(p.get("schema")), "description": p.get("description", ""),
                 "example": p.get("example")}
                for p in item.get("parameters", []) + operation.get("parameters", [])
            ]
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
