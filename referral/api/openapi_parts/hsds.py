"""OpenAPI part: the Open Referral HSDS 3.0 API under /hsds."""
from ...hsds.params import (
    DEFAULT_PER_PAGE,
    MAX_MOMENT,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_SEARCH,
    METERS_PER_MILE,
    ZIP_PATTERN,
)
from ...services.search_params import SearchLimits
from .common import VALUES_FROM, any_case, content, error, ok, path, query, ref, requires

TAG = "Open Referral HSDS 3.0"
# proximity's bound: the search's largest radius (SEARCH_MAX_RADIUS_MILES), in meters as hsds/params.py rounds it.
MAX_PROXIMITY_METERS = round(SearchLimits().max_radius * METERS_PER_MILE)
NDJSON = "application/x-ndjson"
PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number (default 1).", 1),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
          f"Items per page (default {DEFAULT_PER_PAGE}).", DEFAULT_PER_PAGE),
    query("format", {"type": "string", "enum": ["json", "ndjson", ""]},
          f"json (default): a page in the HSDS envelope; ndjson: every record, one JSON object a line, as {NDJSON} "
          "(page and per_page are checked but do not apply).", "json"),
]
SEARCH = query("search", {"type": "string", "maxLength": MAX_SEARCH}, "Words in the clinician's name or statement.", "anxiety")
UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _record_id(name: str, what: str, example: str) -> dict:
    """A parameter holding one of this API's record ids (empty counts as not given)."""
    return query(name, {"type": "string", "pattern": f"^({UUID})?$"}, what, example,
                 **{VALUES_FROM: f"this API's {name.removesuffix('_id').replace('_', ' ')} ids: another UUID is refused"})


def _flag(name: str, what: str) -> dict:
    """A true-or-false parameter; unlike the rest, it may not be empty."""
    return query(name, {"type": "string", "pattern": any_case(("true", "false"), empty=False)},
                 f"{what} true or false, in any case; default false.", "true")


ORGANIZATION = _record_id("organization_id", "Only this organization's records.", "00000000-0000-4000-8001-000000000001")
TERM_FILTERS = [
    _record_id("taxonomy_term_id", "Only records tagged with this taxonomy term.", "00000000-0000-4000-800c-000000000001"),
    _record_id("taxonomy_id", "Only records tagged with a term of this taxonomy.", "00000000-0000-4000-800a-000000000002"),
    ORGANIZATION,
    query("modified_after", {"type": "string", "format": "date-time", "maxLength": MAX_MOMENT},
          "Only records changed after this RFC 3339 date and time (not empty).", "2024-05-16T09:30:00Z"),
    _flag("full", "Fully nested records:"),
]
# Empty, like any parameter, counts as not given.
ZIP_CODE = {"type": "string", "pattern": f"^({ZIP_PATTERN.pattern.strip('^$')})?$".replace("\\d", "[0-9]"),
            "description": "ZIP code: offices in it, or with proximity the centre to measure from.",
            VALUES_FROM: "the directory's gazetteer of US ZIP codes (with proximity)"}
PLACE = [query(
    "place",
    {"type": "object", "required": ["postcode"], "additionalProperties": False, "properties": {
        "postcode": ZIP_CODE,
        "proximity": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_PROXIMITY_METERS,
                      "description": "Meters from the postcode's centroid, nearest first (needs postcode)."},
    }},
    "Sent as the query parameters postcode and proximity (form style, exploded: postcode=10025&proximity=5000). "
    "postcode may come alone; proximity needs a postcode, else 400 naming proximity. A postcode the directory "
    "does not know is refused with proximity (400 naming postcode) and matches nothing without it.",
    {"postcode": "10025", "proximity": 5000}, style="form", explode=True,
)]
PLACE_DEPENDENCIES = [requires("proximity", ["postcode"])]
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
    dependencies = {"x-parameter-dependencies": PLACE_DEPENDENCIES} if PLACE[0] in parameters else {}
    return {"get": {
        "tags": [TAG], "operationId": f"listHsds{name}", "summary": summary, "parameters": parameters + PAGING,
        "x-example": example, **dependencies,
        "responses": {"200": {"description": "A page in the HSDS envelope, or with format=ndjson every record.",
                              "content": {**content(ref("HsdsPage")), **content({"type": "string"}, NDJSON)}},
                      "400": BAD},
    }}


def _one(name: str, what: str, parameters: list = ()) -> dict:
    return {"get": {
        "tags": [TAG], "operationId": f"getHsds{name}", "summary": f"One {what}",
        "parameters": [path("record_id", {"type": "string", "maxLength": 64}, f"The {what}'s id (a UUID).",
                            "00000000-0000-4000-8002-000000000001"), *parameters],
        "responses": {"200": ok(f"The {what}.", ref("HsdsRecord")), "404": NOT_FOUND},
    }}


PATHS = {
    "/hsds/": {"get": {
        "tags": [TAG], "operationId": "hsdsAbout", "summary": "HSDS version and profile of this API",
        "responses": {"200": ok("About this API.", {"type": "object", "required": ["version"]})},
    }},
    "/hsds/services": _list("Services", "Services: psychotherapy or psychiatry with one clinician",
                            [SEARCH, *TERM_FILTERS, _flag("minimal", "Only each service's own fields (before full):")],
                            "/hsds/services?search=anxiety&per_page=10"),
    "/hsds/services/{record_id}": _one("Service", "service, fully nested"),
    "/hsds/organizations": _list("Organizations", "Organizations: each clinician's practice",
                                 [SEARCH, _flag("full", "Fully nested records:"),
                                  _flag("full_service", "Fully nested, their services in full too:")],
                                 "/hsds/organizations?page=1"),
    "/hsds/organizations/{record_id}": _one("Organization", "organization, with locations and services",
                                            [_flag("full_service", "Its services in full:")]),
    "/hsds/locations": _list("Locations", "Locations: offices", [SEARCH, ORGANIZATION, *PLACE],
                             "/hsds/locations?postcode=10025"),
    "/hsds/locations/{record_id}": _one("Location", "location"),
    "/hsds/service_at_locations": _list("ServiceAtLocations", "Services at locations, by postcode and proximity",
                                        [SEARCH, *TERM_FILTERS, *PLACE],
                                        "/hsds/service_at_locations?postcode=10025&proximity=5000"),
    "/hsds/service_at_locations/{record_id}": _one("ServiceAtLocation", "service at a location"),
    "/hsds/taxonomies": _list("Taxonomies", "Taxonomies: the directory's reference lists the terms come from",
                              [SEARCH], "/hsds/taxonomies"),
    "/hsds/taxonomies/{record_id}": _one("Taxonomy", "taxonomy"),
    "/hsds/taxonomy_terms": _list("TaxonomyTerms", "Taxonomy terms: the items of the reference lists", [
        SEARCH, _record_id("taxonomy_id", "Only this taxonomy's terms.", "00000000-0000-4000-800a-000000000002"),
        _flag("top_only", "Only terms without a parent:"),
        _record_id("parent_id", "Only the children of this term.", "00000000-0000-4000-800c-000000000001"),
    ], "/hsds/taxonomy_terms?search=psycho"),
    "/hsds/taxonomy_terms/{record_id}": _one("TaxonomyTerm", "taxonomy term"),
}
