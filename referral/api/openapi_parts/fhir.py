"""OpenAPI part: the FHIR R4 read API under /fhir (Plan-Net shaped)."""
from .common import FHIR_JSON, error, ok, path, query, ref

TAG = "FHIR R4"
PAGING = [
    query("_count", {"type": "integer", "minimum": 1, "maximum": 100}, "Entries per page (default 20).", 20),
    query("_offset", {"type": "integer", "minimum": 0, "maximum": 100000}, "Matches to skip (the next link sets it).", 0),
    query("_id", {"type": "string", "maxLength": 100}, "Resource ids, comma-separated.", "1"),
    query("_format", {"type": "string", "enum": ["json", "application/json", "application/fhir+json", ""]}, "Only JSON.", "json"),
]
BUNDLE = ok("A searchset Bundle with total and self/first/previous/next links.", ref("Bundle"), FHIR_JSON)
BAD_SEARCH = error("An OperationOutcome naming the unknown or malformed parameter.", FHIR_JSON)
NOT_FOUND = error("An OperationOutcome: no such resource.", FHIR_JSON)
RESOURCE = {"type": "object", "required": ["resourceType", "id"], "properties": {
    "resourceType": {"type": "string"}, "id": {"type": "string"}, "meta": {"type": "object"}}}

SCHEMAS = {
    "Bundle": {
        "type": "object",
        "required": ["resourceType", "type", "total", "link", "entry"],
        "properties": {
            "resourceType": {"const": "Bundle"}, "type": {"const": "searchset"}, "total": {"type": "integer"},
            "link": {"type": "array", "items": {"type": "object", "required": ["relation", "url"], "properties": {
                "relation": {"type": "string"}, "url": {"type": "string"}}}},
            "entry": {"type": "array", "items": {"type": "object", "required": ["fullUrl", "resource", "search"], "properties": {
                "fullUrl": {"type": "string"}, "resource": ref("FhirResource"),
                "search": {"type": "object", "properties": {"mode": {"enum": ["match", "include"]}}}}}},
        },
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


def _search(resource: str, summary: str, example: str, parameters: list) -> dict:
    return {"get": {
        "tags": [TAG], "operationId": f"searchFhir{resource}", "summary": summary, "x-example": example,
        "parameters": parameters + PAGING,
        "responses": {"200": BUNDLE, "400": BAD_SEARCH},
    }}


def _read(resource: str) -> dict:
    return {"get": {
        "tags": [TAG], "operationId": f"readFhir{resource}", "summary": f"Read one {resource}",
        "parameters": [path("id", {"type": "string", "maxLength": 64}, f"The {resource} id.", "1")],
        "responses": {"200": ok(f"The {resource}.", ref("FhirResource"), FHIR_JSON), "404": NOT_FOUND},
    }}


PATHS = {
    "/fhir/metadata": {"get": {
        "tags": [TAG], "operationId": "fhirCapabilityStatement", "summary": "CapabilityStatement",
        "responses": {"200": ok("What this server supports.", {"type": "object", "required": ["resourceType", "rest"], "properties": {
            "resourceType": {"const": "CapabilityStatement"}}}, FHIR_JSON)},
    }},
    "/fhir/Practitioner": _search("Practitioner", "Search clinicians", "/fhir/Practitioner?family=Fen&_count=10", [
        query("name", {"type": "string", "maxLength": 100}, "Start of the first, last or full name.", "Ben"),
        query("family", {"type": "string", "maxLength": 100}, "Start of the last name.", "Fenlowe"),
        query("given", {"type": "string", "maxLength": 100}, "Start of the first name.", "Ben"),
        query("identifier", {"type": "string", "maxLength": 100},
              "NPI as http://hl7.org/fhir/sid/us-npi|1234567890 or the bare number; comma for several.",
              "http://hl7.org/fhir/sid/us-npi|1000625073"),
    ]),
    "/fhir/Practitioner/{id}": _read("Practitioner"),
    "/fhir/PractitionerRole": _search("PractitionerRole", "Search clinicians' roles (specialty, offices, new patients)",
                                   "/fhir/PractitionerRole?specialty=103T00000X&_include=PractitionerRole:location", [
        query("practitioner", {"type": "string", "maxLength": 100}, "Practitioner/123 or 123; comma for several.", "Practitioner/1"),
        query("location", {"type": "string", "maxLength": 100}, "Location/45 or 45; comma for several.", "Location/1"),
        query("specialty", {"type": "string", "maxLength": 100},
              "NUCC taxonomy code, as http://nucc.org/provider-taxonomy|103T00000X or the bare code.", "103T00000X"),
        query("_include", {"type": "array", "items": {"type": "string", "enum": [
            "PractitionerRole:practitioner", "PractitionerRole:location"]}},
              "Also return the practitioners and/or locations.", ["PractitionerRole:practitioner"], style="form", explode=True),
    ]),
    "/fhir/PractitionerRole/{id}": _read("PractitionerRole"),
    "/fhir/Location": _search("Location", "Search offices", "/fhir/Location?near=30.33|-97.70|10|mi", [
        query("address-city", {"type": "string", "maxLength": 100}, "Start of the city name.", "Austin"),
        query("address-state", {"type": "string", "maxLength": 100}, "Two-letter state.", "TX"),
        query("address-postalcode", {"type": "string", "maxLength": 100}, "Start of the ZIP code.", "78752"),
        query("near", {"type": "string", "maxLength": 100},
              "latitude|longitude|distance|units (mi or km; km when omitted), nearest first.", "30.33|-97.70|10|mi"),
    ]),
    "/fhir/Location/{id}": _read("Location"),
}
