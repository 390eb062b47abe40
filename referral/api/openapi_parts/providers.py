"""OpenAPI part: searching providers (JSON and CSV), one provider, and this description itself."""
from ...services.attributes import (
    ANY_OF,
    AT_MOST,
    ATTRIBUTES,
    AVAILABILITY,
    HOURS,
    OPENAPI,
    SEARCHABLE,
    SORTS,
    YES_NO,
)
from ...services.export import BOM_PARAMETER, CSV_MEDIA_TYPE, SEARCH_EXPORT_MAX_ROWS
from ...services.geocoding import US_STATES
from ...services.search import ALSO_NEARBY_LIMIT
from ...services.search_params import FALSE_WORDS, MAX_LIST_VALUES, MAX_QUERY_LENGTH, TRUE_WORDS, SearchLimits
from ..reference import LISTED_ATTRIBUTES
from .common import (
    COMPONENT_SCHEMAS,
    LANGUAGE,
    NULLABLE_INTEGER,
    NULLABLE_NUMBER,
    NULLABLE_STRING,
    STRINGS,
    VALUES_FROM,
    content,
    error,
    ok,
    path,
    any_case,
    query,
    ref,
    requires,
)

TAG = "Providers"
LIMITS = SearchLimits()
# Any filter's words for yes and no, in the order people read them; an empty value, like "any", filters nothing.
YES_NO_WORDS = [*sorted(TRUE_WORDS, key=lambda word: (-len(word), word)),
                *sorted(FALSE_WORDS, key=lambda word: (-len(word), word))]
BOOLEAN_WORDS = {"type": "string", "enum": [*YES_NO_WORDS, "any", ""]}
# The search's numeric parameters take whole numbers up to this (search_params.py's _parse_int bounds).
LARGEST_WHOLE_NUMBER = 100000


def _list(name: str, what: str, example: str, values: list[str] | None = None) -> dict:
    items = {"type": "string", "maxLength": 64, **({"enum": values} if values else {})}
    known = {} if values else {VALUES_FROM: "the directory's reference lists: a slug not in them is refused"}
    return query(
        name, {"type": "array", "maxItems": MAX_LIST_VALUES, "items": items},
        f"{what}: repeat the parameter for several (any of them matches; at most {MAX_LIST_VALUES}).", [example],
        style="form", explode=True, **known,
    )


def attribute_parameter(attribute) -> dict:
    """The query parameter that filters by one listing attribute (the document is English: built at import)."""
    name, what = attribute.search_parameter, attribute.plural
    if attribute.filter in (ANY_OF, HOURS):
        values = [choice.value for choice in attribute.choices] or None
        source = "values" if values else "slugs from the directory's reference lists"
        return _list(name, f"{what} ({source})", attribute.example, values)
    if attribute.filter in (YES_NO, AVAILABILITY):
        return query(name, BOOLEAN_WORDS, f"{attribute.question}. {attribute.help}".strip(), "true")
    return query(name, {"type": "integer", "minimum": 0, "maximum": LARGEST_WHOLE_NUMBER},
                 f"{attribute.question}. {attribute.help}".strip(), attribute.example)


def attribute_schema(attribute) -> dict:
    """The JSON schema of one listing attribute's value in results and listings."""
    if attribute.multiple or attribute.filter == HOURS:
        return STRINGS
    if attribute.filter in (YES_NO, AVAILABILITY):
        return {"type": "boolean", **({"description": str(attribute.help)} if attribute.help else {})}
    if attribute.maximum is not None or attribute.filter == AT_MOST:
        return NULLABLE_INTEGER
    if attribute.is_list:
        return {**NULLABLE_STRING, "description": f"{attribute.label}: a slug, or null when not given."}
    return {"type": "string"}


COORDINATES = query(
    "coordinates",
    {"type": "object", "required": ["lat", "lng"], "additionalProperties": False, "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "Latitude to measure from."},
        "lng": {"type": "number", "minimum": -180, "maximum": 180, "description": "Longitude to measure from."},
    }},
    "A point to measure from, sent as the two query parameters lat and lng (form style, exploded: "
    "lat=40.7975&lng=-73.9683), always together: one without the other is refused with 400 naming the one "
    "missing. Given with near, the point is used and near is not read.",
    {"lat": 40.7975, "lng": -73.9683}, style="form", explode=True,
)
SEARCH_PARAMETERS = [
    query("near", {"type": "string", "maxLength": MAX_QUERY_LENGTH},
          "Where to measure distance from: a ZIP code (or ZIP+4), or a city as people write it: \"Boise, ID\", "
          "\"Boise ID\", \"Boise, Idaho\", \"Boise, ID 83702\", or a short name such as \"NYC\". A place that "
          "names no single place answers 400 with suggestions.", "10025",
          **{VALUES_FROM: "the directory's gazetteer of US ZIP codes and places"}),
    COORDINATES,
    query("radius", {"type": "number", "minimum": 1, "maximum": LIMITS.max_radius},
          f"Miles from the place (default {LIMITS.default_radius:g}).", 10),
    *(attribute_parameter(attribute) for attribute in SEARCHABLE if OPENAPI in attribute.outputs),
    query("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "Words in the name or statement.", "couples"),
    query("state", {"type": "string", "pattern": any_case(US_STATES)},
          "A US state or territory's two-letter code, in any case: licensed there (for telehealth).", "NY"),
    query("sort", {"type": "string", "enum": [*(choice.value for choice in SORTS), ""]},
          "Order: best match (default: nearest mile first; within each mile, clinicians accepting new patients "
          "with a recent confirmation (`accepting_new_patients` true) first, then those whose availability is not "
          "confirmed, then those who confirmed they are not accepting; nearer first within each group; without a "
          "place, the same groups by name), distance (nearest first; needs a place, near or lat and lng, else "
          "400 naming sort), lowest standard fee, most recently confirmed availability.", "best"),
    query("page", {"type": "integer", "minimum": 1, "maximum": LARGEST_WHOLE_NUMBER},
          "Page number (default 1); a page past the last one is refused with 400 naming page.", 1,
          **{VALUES_FROM: "the results: a page past the last is refused"}),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": LIMITS.max_per_page},
          f"Results per page (default {LIMITS.default_per_page}).", LIMITS.default_per_page),
]
SEARCH_DEPENDENCIES = [
    requires("lat", ["lng"]),
    requires("lng", ["lat"]),
    requires("sort", ["near"], ["lat", "lng"], value="distance"),
]
BOM = query(BOM_PARAMETER, {"type": "string", "enum": [*YES_NO_WORDS, ""]},
            "true: the body begins with a UTF-8 byte-order mark (EF BB BF), so that Excel opened by double-click "
            "reads it as UTF-8 and shows names such as \"São\" and \"Zoë\" as written. Default false.", "true")

OFFICE = {
    "type": "object",
    "required": ["id", "city", "state", "zip"],
    "properties": {
        "id": {"type": "integer"}, "address1": {"type": "string"}, "address2": {"type": "string"},
        "city": {"type": "string"}, "state": {"type": "string"}, "zip": {"type": "string"},
        "lat": NULLABLE_NUMBER, "lng": NULLABLE_NUMBER, "distance_miles": {"type": "number"},
        "hours": {"type": "array", "description": "Weekly hours in the office's local time.", "items": {
            "type": "object", "required": ["day", "opens", "closes"], "properties": {
                "day": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 is Monday."},
                "opens": {"type": "integer", "minimum": 0, "maximum": 1440, "description": "Minutes after midnight."},
                "closes": {"type": "integer", "minimum": 0, "maximum": 1440, "description": "Minutes after midnight."},
            }}},
    },
}
_SUMMARY_ATTRIBUTES = {a.output_key: attribute_schema(a) for a in ATTRIBUTES if OPENAPI in a.outputs and a.in_summary}
_DETAIL_ATTRIBUTES = {a.output_key: attribute_schema(a) for a in ATTRIBUTES if OPENAPI in a.outputs}
_COMMON = {
    "id": {"type": "integer"}, "name": {"type": "string"}, "credentials": {"type": "string"},
    **_SUMMARY_ATTRIBUTES,
    "availability_confirmed_on": {**NULLABLE_STRING, "format": "date"},
    "responsiveness": {
        "type": ["object", "null"], "required": ["answered", "of", "median_hours"],
        "description": "How the clinician answers the messages and referrals sent through the directory: of the last "
                       "`of` (within the window), `answered` were answered, the first answer after `median_hours` "
                       "hours (median); null until there are enough to mean something.",
        "properties": {"answered": {"type": "integer"}, "of": {"type": "integer"}, "median_hours": NULLABLE_NUMBER},
    },
    "offices": {"type": "array", "items": ref("Office")},
    "url": {"type": "string", "format": "uri", "description": "The profile page."},
}
PROVIDER_SUMMARY = {
    "type": "object",
    "required": list(_COMMON) + ["distance_miles", "matched_by_telehealth"],
    "properties": {**_COMMON, "distance_miles": NULLABLE_NUMBER, "matched_by_telehealth": {"type": "boolean"}},
}
PROVIDER_DETAIL = {
    "type": "object",
    "required": list(_COMMON) + list(_DETAIL_ATTRIBUTES) + ["npi", "first_name", "last_name", "licenses", "statement",
                                                            "statement_es", "listing_status"],
    "properties": {
        **_COMMON,
        **_DETAIL_ATTRIBUTES,
        "npi": NULLABLE_STRING, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "taxonomy_code": {**NULLABLE_STRING, "description": "NUCC Health Care Provider Taxonomy code."},
        "statement": {"type": "string"},
        "statement_es": {"type": "string", "description": "The statement in Spanish, where the clinician wrote one."},
        "licenses": {"type": "array", "items": {"type": "object", "required": ["state", "number"], "properties": {
            "state": {"type": "string"}, "number": {"type": "string"}}}},
        "listing_says_accepting": {"type": "boolean"}, "telehealth_states": STRINGS,
        "phone": {"type": "string"}, "website": {"type": "string"},
        "listing_status": {"type": "string"}, "source": {"type": "string"},
    },
}
SEARCH_PAGE = {
    "type": "object",
    "required": ["results", "page", "per_page", "total", "total_exact", "also_nearby"],
    "properties": {
        "results": {"type": "array", "items": ref("ProviderSummary")},
        "also_nearby": {"type": "array", "maxItems": ALSO_NEARBY_LIMIT, "items": ref("ProviderSummary"), "description": (
            f"With a place and an approach (modality) or frequency filter: up to {ALSO_NEARBY_LIMIT} listings within the radius that "
            "list none of that kind (such as those loaded from the national registry) and meet every other filter, "
            "nearest first. Never in results, never counted in total, the same on every page; empty otherwise. "
            "Not in the CSV export.")},
        "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "total": {"type": "integer", "description": (
            "Matches known: all of them when total_exact, else those up to the end of this page (more follow).")},
        "total_exact": {"type": "boolean", "description": (
            "True once the last match has been seen; false while more follow this page (nothing is counted beyond it).")},
    },
}

_ERROR_FIELDS = COMPONENT_SCHEMAS["Error"]["properties"]["error"]["properties"]
SEARCH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message"],
            "properties": {
                **_ERROR_FIELDS,
                "suggestions": {
                    "type": "array",
                    "description": "Present when near names no single place: the likeliest places, closest name "
                                   "first, then the most populous. Empty only when no place name comes close.",
                    "items": {"type": "object", "required": ["near", "label"], "properties": {
                        "near": {"type": "string", "description": "The near value that finds this place."},
                        "label": {"type": "string", "description": "The place as people read it."},
                    }},
                },
            },
        }
    },
    "example": {"error": {
        "parameter": "near",
        "message": "There is more than one place called “Springfield”. Choose one, or add the state, like "
                   "“Springfield, MO”.",
        "errors": {"near": "There is more than one place called “Springfield”. Choose one, or add the state, "
                           "like “Springfield, MO”."},
        "suggestions": [{"near": "Springfield, MO", "label": "Springfield, Missouri"},
                        {"near": "Springfield, MA", "label": "Springfield, Massachusetts"}],
    }},
}
SEARCH_REFUSED = {
    "description": "A parameter is unknown or malformed, or the page is past the end. A place that names no single "
                   "place (unknown, or shared by several) also carries suggestions.",
    "content": content(ref("SearchError")),
}

REFERENCE_LIST = {
    "type": "object",
    "required": ["label", "parameter", "values"],
    "properties": {
        "label": {"type": "string", "description": "The list's heading, as the directory's pages show it."},
        "parameter": {**NULLABLE_STRING, "description": "The search parameter that takes these slugs (null: not "
                                                        "searchable)."},
        "values": {"type": "array", "items": {
            "type": "object", "required": ["slug", "label"], "properties": {
                "slug": {"type": "string", "description": "The value as results, listings and parameters carry it."},
                "label": {"type": "string", "description": "The value as people read it."},
            }}},
    },
}
REFERENCE_LISTS = {
    "type": "object",
    "required": [attribute.output_key for attribute in LISTED_ATTRIBUTES],
    "properties": {attribute.output_key: {**ref("ReferenceList"), "description": f"The values of `{attribute.output_key}`."}
                   for attribute in LISTED_ATTRIBUTES},
}

SCHEMAS = {"SearchError": SEARCH_ERROR, "Office": OFFICE, "ProviderSummary": PROVIDER_SUMMARY, "ProviderDetail": PROVIDER_DETAIL,
           "SearchPage": SEARCH_PAGE, "ReferenceList": REFERENCE_LIST, "ReferenceLists": REFERENCE_LISTS}

PATHS = {
    "/api/v1/providers": {
        "get": {
            "tags": [TAG], "operationId": "searchProviders", "summary": "Search providers",
            "x-example": "/api/v1/providers?near=10025&type=psychologist&accepting=true",
            "description": "Nearest first when a place is given (plus telehealth providers licensed in its state), "
                           "else by name. Unknown parameters and bad values answer 400 naming the parameter.",
            "parameters": SEARCH_PARAMETERS, "x-parameter-dependencies": SEARCH_DEPENDENCIES,
            "responses": {
                "200": ok("A page of results.", ref("SearchPage"), example={
                    "results": [], "page": 1, "per_page": 20, "total": 0, "total_exact": True, "also_nearby": []}),
                "400": SEARCH_REFUSED,
            },
        }
    },
    "/api/v1/providers.csv": {
        "get": {
            "tags": [TAG], "operationId": "exportProvidersCsv", "summary": "Search providers as CSV",
            "x-example": "/api/v1/providers.csv?near=10025&modality=psychodynamic",
            "description": "The same parameters as /api/v1/providers, and bom. Without page or per_page: every "
                           f"match in result order (at most {SEARCH_EXPORT_MAX_ROWS} rows); with either, only that "
                           "page. One row per provider, after a header row (RFC 4180), streamed.",
            "parameters": [*SEARCH_PARAMETERS, BOM], "x-parameter-dependencies": SEARCH_DEPENDENCIES,
            "responses": {
                "200": ok(f"CSV with a header row, as {CSV_MEDIA_TYPE}; with bom=true the first bytes are "
                          "EF BB BF.", {"type": "string"}, CSV_MEDIA_TYPE, example="id,npi,first_name,last_name,...\r\n"),
                "400": SEARCH_REFUSED,
            },
        }
    },
    "/api/v1/providers/{provider_id}": {
        "get": {
            "tags": [TAG], "operationId": "getProvider", "summary": "One provider in full",
            "parameters": [path("provider_id", {"type": "integer", "minimum": 1}, "The provider's id.", 1)],
            "responses": {
                "200": ok("The provider.", ref("ProviderDetail")),
                "404": error("No such provider, or the listing is not public."),
            },
        }
    },
    "/api/v1/reference-lists": {
        "get": {
            "tags": [TAG], "operationId": "getReferenceLists", "summary": "The values of listed fields, with labels",
            "description": "For each field of results and listings whose values come from a list (type, modalities, "
                           "languages, ...): its heading, the search parameter that takes its slugs, and every slug "
                           "with its label, in display order: `modalities` holds `{\"label\": \"Therapy approaches\", "
                           "\"parameter\": \"modality\", \"values\": [{\"slug\": \"cbt\", \"label\": \"Cognitive "
                           "Behavioral Therapy\"}, ...]}`. " + LANGUAGE,
            "responses": {
                "200": ok("The lists, keyed by the field they give values to.", ref("ReferenceLists"), labelled=True),
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "tags": [TAG], "operationId": "getOpenApiDocument", "summary": "This API description (OpenAPI 3.1)",
            "responses": {"200": ok("The OpenAPI document.", {"type": "object", "required": ["openapi", "paths"]})},
        }
    },
}
