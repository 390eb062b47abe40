"""OpenAPI part: a provider's own listing (read and change, signed in, optimistic locking)."""
from .common import NULLABLE_INTEGER, NULLABLE_STRING, STRINGS, content, error, ok, path, ref

TAG = "Listings"
OFFICE = {"type": "object", "properties": {k: {"type": "string"} for k in ("address1", "address2", "city", "state", "zip")}}
LICENSE = {"type": "object", "properties": {"state": {"type": "string"}, "number": {"type": "string"}}}
FIELDS = {
    "first_name": {"type": "string", "maxLength": 80}, "last_name": {"type": "string", "maxLength": 80},
    "credentials": {"type": "string", "maxLength": 80}, "statement": {"type": "string", "maxLength": 5000},
    "statement_es": {"type": "string", "maxLength": 5000, "description": "The statement in Spanish (optional)."},
    "phone": {"type": "string", "maxLength": 32}, "website": {"type": "string", "maxLength": 255},
    "accepting_new_patients": {"type": "boolean"}, "telehealth": {"type": "boolean"},
    "in_person": {"type": "boolean"}, "sliding_scale": {"type": "boolean"},
    "fee_min": NULLABLE_INTEGER, "fee_max": NULLABLE_INTEGER,
    "provider_type": {**NULLABLE_STRING, "description": "Provider type slug."},
    "offices": {"type": "array", "items": OFFICE, "maxItems": 10},
    "licenses": {"type": "array", "items": LICENSE, "maxItems": 60},
    **{name: STRINGS for name in ("modalities", "frequencies", "treatment_lengths", "concerns", "insurance",
                                   "languages", "age_groups")},
}
SCHEMAS = {
    "Listing": {
        "type": "object",
        "required": ["id", "version", "listing_status"],
        "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}, "listing_status": {"type": "string"},
                       **FIELDS},
    },
    "ListingChange": {
        "type": "object",
        "required": ["version"],
        "properties": {"version": {"type": "integer", "description": "The version you read the listing at."}, **FIELDS},
    },
}
PROVIDER_ID = path("provider_id", {"type": "integer", "minimum": 1}, "The listing's provider id.", 1)
NOT_SIGNED_IN = error("Not signed in (the API uses the session cookie from /login).")
FORBIDDEN = error("Signed in, but neither the listing's owner nor an admin.")
NOT_FOUND = error("No such listing.")


def _change(method: str, summary: str, description: str) -> dict:
    return {
        "tags": [TAG], "operationId": f"{method}Listing", "summary": summary, "description": description,
        "parameters": [PROVIDER_ID],
        "requestBody": {"required": True, "content": content(ref("ListingChange"))},
        "responses": {
            "200": ok("The listing as saved, with its new version.", ref("Listing")),
            "400": error("A field is invalid, version is missing, or (PUT) a field is missing; named."),
            "401": NOT_SIGNED_IN, "403": FORBIDDEN, "404": NOT_FOUND,
            "409": error("Someone saved the listing since your version; the body lists what changed."),
            "415": error("The body is not application/json."),
        },
    }


PATHS = {
    "/api/v1/listings/{provider_id}": {
        "get": {
            "tags": [TAG], "operationId": "getListing", "summary": "Your listing's editable fields and version",
            "parameters": [PROVIDER_ID],
            "responses": {"200": ok("The listing.", ref("Listing")), "401": NOT_SIGNED_IN, "403": FORBIDDEN,
                          "404": NOT_FOUND},
        },
        "put": _change("put", "Replace your listing", "Send every editable field and the version you read."),
        "patch": _change("patch", "Change some fields of your listing", "Send the fields to change and the version you read."),
    },
}
