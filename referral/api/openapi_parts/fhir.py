"""OpenAPI part: the FHIR R4 read API under /fhir (Da Vinci PDex Plan-Net 1.2.0), from the server's own catalog."""
from ...fhir.catalog import COMMON_PARAMETERS, resource_types
from ...fhir.engine import DATE_PREFIXES
from ...fhir.query import MAX_COUNT, MAX_OFFSET, SUMMARY_VALUES, TOTAL_VALUES
from .common import FHIR_JSON, READABLE_TEXT, VALUES_FROM, error, ok, path, query, ref

TAG = "FHIR R4"
# latitude|longitude|distance|units: latitude -90 to 90, longitude -180 to 180, a distance over 0 up to 100 (within
# the server's largest radius whether it is read in miles or in kilometres), units mi or km.
LATITUDE = r"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
LONGITUDE = r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"
DISTANCE = r"(100(\.0+)?|[1-9][0-9]?(\.[0-9]+)?|0?\.[0-9]*[1-9][0-9]*)"
NEAR = f"^({LATITUDE}\\|{LONGITUDE}(\\|({DISTANCE})?(\\|(mi|km|\\[mi_i\\])?)?)?)?$"
# Empty, like any parameter given empty, counts as not given.
DATE_PATTERN = (f"^(({'|'.join(DATE_PREFIXES)})?[0-9]{{4}}(-[0-9]{{2}}(-[0-9]{{2}}(T[0-9]{{2}}:[0-9]{{2}}"
                r"(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?)?$")
KINDS = {
    "string": "Matches values that start with it, ignoring case and accents; :exact (as written) and :contains.",
    "token": "system|code, code, |code or system|; :text searches the display, :not excludes.",
    "reference": "Type/id, id or an absolute URL; chains into the target's parameters (name.param=value).",
    "date": "An instant or date of any precision, after a prefix eq, ne, gt, lt, ge, le, sa, eb or ap.",
    "special": "latitude|longitude|distance|units (mi or km; km when omitted), nearest first.",
}
NOT_ACCEPTABLE = error("An OperationOutcome: the client accepts none of the JSON this server writes.", FHIR_JSON)
NOT_FOUND = error("An OperationOutcome: no such resource (or version).", FHIR_JSON)
BAD_SEARCH = error("An OperationOutcome naming the malformed parameter, an unsupported modifier, or (with "
                   "Prefer: handling=strict) a parameter this server does not know.", FHIR_JSON)
NOT_MODIFIED = {"description": "The client's copy (If-None-Match or If-Modified-Since) is current."}
# A search's OperationOutcome entry has no id: FHIR R4 makes Resource.id optional.
RESOURCE = {"type": "object", "required": ["resourceType"], "properties": {
    "resourceType": {"type": "string"}, "id": {"type": "string"}, "meta": {"type": "object"}}}

SCHEMAS = {
    "Bundle": {
        "type": "object",
        "required": ["resourceType", "type", "link"],
        "properties": {
            "resourceType": {"const": "Bundle"}, "type": {"const": "searchset"},
            "total": {"type": "integer", "description": "Absent with _total=none."},
            "link": {"type": "array", "items": {"type": "object", "required": ["relation", "url"], "properties": {
                "relation": {"type": "string"}, "url": {"type": "string"}}}},
            "entry": {"type": "array", "items": {"type": "object", "required": ["resource", "search"], "properties": {
                "fullUrl": {"type": "string"}, "resource": ref("FhirResource"),
                "search": {"type": "object", "properties": {"mode": {"enum": ["match", "include", "outcome"]}}}}}},
        },
    },
    "HistoryBundle": {
        "type": "object",
        "required": ["resourceType", "type", "entry"],
        "properties": {"resourceType": {"const": "Bundle"}, "type": {"const": "history"}, "total": {"type": "integer"},
                       "entry": {"type": "array", "items": {"type": "object", "required": ["resource", "request", "response"]}}},
    },
    "FhirResource": RESOURCE,
    "OperationOutcome": {
        "type": "object",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"const": "OperationOutcome"},
            "issue": {"type": "array", "items": {"type": "object", "required": ["severity", "code"], "properties": {
                "severity": {"type": "string"}, "code": {"type": "string"}, "diagnostics": {"type": "string"},
                "expression": {"type": "array", "items": {"type": "string"}}}}},
        },
    },
}


CALENDAR = {VALUES_FROM: "the calendar: a day the month does not have is refused"}


def _schema(name: str, kind: str) -> dict:
    if kind == "date":
        return {"type": "string", "pattern": DATE_PATTERN, **CALENDAR}
    return {"type": "string", "pattern": NEAR} if name == "near" else {"type": "string"}


def _controls(kind) -> list[dict]:
    controls = [
        query("_count", {"type": "integer", "minimum": 0, "maximum": 999_999_999_999},
              f"Entries per page, 1 to {MAX_COUNT} (default 20): larger values are lowered to {MAX_COUNT} and "
              "reported in the outcome entry; 0 counts only.", 20),
        query("_offset", {"type": "integer", "minimum": 0, "maximum": 999_999_999_999},
              f"Matches to skip (the next link sets it); at most {MAX_OFFSET}.", 0),
        query("_summary", {"type": "string", "enum": ["", *sorted(SUMMARY_VALUES)]},
              "count: the total only; true and text are not supported and are reported, whole resources returned."),
        query("_total", {"type": "string", "enum": ["", *sorted(TOTAL_VALUES)]}, "none leaves the total out; it is always exact."),
        query("_elements", {"type": "string"}, "Comma-separated top-level elements to keep in matches (marked SUBSETTED).",
              "name"),
        query("_format", {"type": "string", "enum": ["", "json", "application/json", "application/fhir+json"]},
              "Only JSON; any other format answers 406.", "json"),
    ]
    for name, offered in (("_include", kind.includes), ("_revinclude", kind.revincludes)):
        if offered:
            controls.append(query(name, {"type": "array", "items": {"type": "string"}},
                                  f"Also return the resources these references name: * or any of "
                                  f"{', '.join(offered)}; another value is reported in the outcome entry.",
                                  [offered[0]], style="form", explode=True))
    return controls


def _criteria(kind) -> list[dict]:
    return [query(name, _schema(name, type_of), f"{KINDS.get(type_of, '')} Definition: {definition}.",
                  **(CALENDAR if type_of == "date" else {}))
            for name, (type_of, definition) in {**COMMON_PARAMETERS, **kind.parameters}.items()]


# R4 has a server ignore parameters it does not know (and this one reports them in an outcome entry).
READABLE = {"type": "string", "pattern": READABLE_TEXT}
OTHERS = query("others", {"type": "object", "propertyNames": {"pattern": READABLE_TEXT}, "additionalProperties": READABLE},
               "Any other parameter: ignored and reported in the Bundle's outcome entry, or refused with 400 when the "
               "request says Prefer: handling=strict.", style="form", explode=True)


def _paths(kind) -> dict:
    name = kind.name
    named = _criteria(kind) + _controls(kind)
    parameters = named + [OTHERS]
    # A form body carries a repeated parameter as the same name again: each occurrence is one string.
    form = {"type": "object",
            "properties": {p["name"]: {"type": "string"} if p["schema"]["type"] == "array" else p["schema"] for p in named},
            "propertyNames": {"pattern": READABLE_TEXT}, "additionalProperties": READABLE}
    bundle = ok(f"A searchset Bundle of {name} with total, paging links and an outcome entry for parameters "
                "set aside.", ref("Bundle"), FHIR_JSON)
    resource = ok(f"The {name}, with ETag and Last-Modified.", ref("FhirResource"), FHIR_JSON)
    resource_id = path("id", {"type": "string", "maxLength": 64}, f"The {name} id.", "1")
    return {
        f"/fhir/{name}": {"get": {
            "tags": [TAG], "operationId": f"searchFhir{name}", "summary": f"Search {name}. {kind.documentation}",
            "parameters": parameters, "responses": {"200": bundle, "400": BAD_SEARCH, "406": NOT_ACCEPTABLE},
        }},
        f"/fhir/{name}/_search": {
            "get": {
                "tags": [TAG], "operationId": f"searchFhir{name}AtSearch", "summary": f"Search {name} (as GET /fhir/{name})",
                "parameters": parameters, "responses": {"200": bundle, "400": BAD_SEARCH, "406": NOT_ACCEPTABLE},
            },
            "post": {
                "tags": [TAG], "operationId": f"searchFhir{name}ByPost", "summary": f"Search {name} with a form body",
                "requestBody": {"required": False, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
                "responses": {"200": bundle, "400": BAD_SEARCH, "406": NOT_ACCEPTABLE},
            },
        },
        f"/fhir/{name}/{{id}}": {"get": {
            "tags": [TAG], "operationId": f"readFhir{name}", "summary": f"Read one {name}",
            "parameters": [resource_id],
            "responses": {"200": resource, "304": NOT_MODIFIED, "404": NOT_FOUND, "406": NOT_ACCEPTABLE},
        }},
        f"/fhir/{name}/{{id}}/_history": {"get": {
            "tags": [TAG], "operationId": f"historyFhir{name}", "summary": f"The versions of a {name} this server keeps",
            "parameters": [resource_id],
            "responses": {"200": ok("A history Bundle: the current version.", ref("HistoryBundle"), FHIR_JSON),
                          "404": NOT_FOUND, "406": NOT_ACCEPTABLE},
        }},
        f"/fhir/{name}/{{id}}/_history/{{vid}}": {"get": {
            "tags": [TAG], "operationId": f"vreadFhir{name}", "summary": f"Read one version of a {name}",
            "parameters": [resource_id, path("vid", {"type": "string", "maxLength": 64}, "The version id.", "1")],
            "responses": {"200": resource, "304": NOT_MODIFIED, "404": NOT_FOUND, "406": NOT_ACCEPTABLE},
        }},
    }


PATHS = {
    "/fhir/metadata": {"get": {
        "tags": [TAG], "operationId": "fhirCapabilityStatement", "summary": "CapabilityStatement",
        "responses": {"200": ok("What this server supports.", {"type": "object", "required": ["resourceType", "rest"], "properties": {
            "resourceType": {"const": "CapabilityStatement"}}}, FHIR_JSON), "406": NOT_ACCEPTABLE},
    }},
}
for _kind in resource_types().values():
    PATHS.update(_paths(_kind))
