"""OpenAPI part: the Open Referral HSDS 3.0 API under /hsds."""
from .common import error, ok, path, query, ref

TAG = "Open Referral HSDS 3.0"
PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "Page number (default 1).", 1),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page (default 20).", 20),
    query("format", {"type": "string", "enum": ["json", ""]}, "Only json.", "json"),
]
SEARCH = query("search", {"type": "string", "maxLength": 200}, "Words in the clinician's name or statement.", "anxiety")
ORGANIZATION = query("organization_id", {"type": "string", "pattern": "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"}, "Only this organization's records.",
                     "00000000-0000-4000-8001-000000000001")
PLACE = [
    query("postcode", {"type": "string", "pattern": "^([0-9]{5}(-[0-9]{4})?)?$"},
          "ZIP code: offices in it, or with proximity the centre to measure from.", "10025"),
    query("proximity", {"type": "number", "exclusiveMinimum": 0, "maximum": 160934},
          "Meters from the postcode's centroid (needs postcode); nearest first.", 5000),
]
BAD = error("An unknown or malformed parameter, named.")
NOT_FOUND = error("No such record.")
RECORD = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}}}

SCHEMAS = {
    "HsdsRecord": RECORD,
    "HsdsPage": {
        "type": "object",
        "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
        "properties": {
            "total_items": {"type": "integer"}, "total_pages": {"type": "integer"}, "page_number": {"type": "integer"},
            "size": {"type": "integer"}, "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"}, "contents": {"type": "array", "items": ref("HsdsRecord")},
        },
    },
}


def _list(name: str, summary: str, parameters: list, example: str) -> dict:
    return {"get": {
        "tags": [TAG], "operationId": f"listHsds{name}", "summary": summary, "parameters": parameters + PAGING,
        "x-example": example,
        "responses": {"200": ok("A page in the HSDS envelope.", ref("HsdsPage")), "400": BAD},
    }}


def _one(name: str, what: str) -> dict:
    return {"get": {
        "tags": [TAG], "operationId": f"getHsds{name}", "summary": f"One {what}",
        "parameters": [path("record_id", {"type": "string", "maxLength": 64}, f"The {what}'s id (a UUID).",
                            "00000000-0000-4000-8002-000000000001")],
        "responses": {"200": ok(f"The {what}.", ref("HsdsRecord")), "404": NOT_FOUND},
    }}


PATHS = {
    "/hsds/": {"get": {
        "tags": [TAG], "operationId": "hsdsAbout", "summary": "HSDS version and profile of this API",
        "responses": {"200": ok("About this API.", {"type": "object", "required": ["version"]})},
    }},
    "/hsds/services": _list("Services", "Services: psychotherapy or psychiatry with one clinician", [SEARCH, ORGANIZATION],
                            "/hsds/services?search=anxiety&per_page=10"),
    "/hsds/services/{record_id}": _one("Service", "service, fully nested"),
    "/hsds/organizations": _list("Organizations", "Organizations: each clinician's practice", [SEARCH],
                                 "/hsds/organizations?page=1"),
    "/hsds/organizations/{record_id}": _one("Organization", "organization, with locations and services"),
    "/hsds/locations": _list("Locations", "Locations: offices", [SEARCH, ORGANIZATION, *PLACE],
                             "/hsds/locations?postcode=10025"),
    "/hsds/locations/{record_id}": _one("Location", "location"),
    "/hsds/service_at_locations": _list("ServiceAtLocations", "Services at locations, by postcode and proximity",
                                        [SEARCH, ORGANIZATION, *PLACE], "/hsds/service_at_locations?postcode=10025&proximity=5000"),
    "/hsds/service_at_locations/{record_id}": _one("ServiceAtLocation", "service at a location"),
}
