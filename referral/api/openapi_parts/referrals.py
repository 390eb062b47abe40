"""OpenAPI part: referrals between clinicians (signed in; answers are Cache-Control: no-store)."""
from .common import LANGUAGE, content, error, ok, path, query

TAG = "Referrals"
REFERRAL = {"type": "object", "required": ["id"], "properties": {
    "id": {"type": "string"}, "copies": {"type": "array", "items": {"type": "object"}}}}
COPY = {"type": "object", "required": ["id", "referral_id", "state"], "properties": {
    "id": {"type": "string"}, "referral_id": {"type": "string"}, "state": {"type": "string"},
    "state_label": {"type": "string"}, "version": {"type": "integer"}}}
SCHEMAS = {"Referral": REFERRAL, "ReferralCopy": COPY}
NOT_SIGNED_IN = error("Not signed in (the API uses the session cookie from /login).")
FORBIDDEN = error("Not the referrer, a recipient of this copy, or an admin.")
NOT_FOUND = error("No such referral or copy.")
PUBLIC_ID = path("public_id", {"type": "string", "maxLength": 64}, "The referral's or copy's public id.", "r-abc123")

PATHS = {
    "/api/v1/referrals": {"get": {
        "tags": [TAG], "operationId": "listReferrals", "summary": "Referrals you sent and copies sent to your listings",
        "description": LANGUAGE,
        "parameters": [query("state", {"type": "string", "maxLength": 32}, "Only referrals in this state.", "sent")],
        "responses": {
            "200": ok("Sent referrals and received copies.", {"type": "object", "required": ["sent", "received"],
                      "properties": {"sent": {"type": "array", "items": {"$ref": "#/components/schemas/Referral"}},
                                     "received": {"type": "array", "items": {"$ref": "#/components/schemas/ReferralCopy"}}}},
                      labelled=True),
            "400": error("A parameter is malformed."),
            "401": NOT_SIGNED_IN,
        },
    }},
    "/api/v1/referrals/{public_id}": {"get": {
        "tags": [TAG], "operationId": "getReferral", "summary": "One referral (the referrer sees every copy)",
        "description": LANGUAGE, "parameters": [PUBLIC_ID],
        "responses": {"200": ok("The referral.", {"$ref": "#/components/schemas/Referral"}, labelled=True),
                      "401": NOT_SIGNED_IN,
                      "403": FORBIDDEN, "404": NOT_FOUND},
    }},
    "/api/v1/referrals/copies/{public_id}": {"get": {
        "tags": [TAG], "operationId": "getReferralCopy", "summary": "One copy with its timeline and messages",
        "description": LANGUAGE, "parameters": [PUBLIC_ID],
        "responses": {"200": ok("The copy.", {"$ref": "#/components/schemas/ReferralCopy"}, labelled=True),
                      "401": NOT_SIGNED_IN,
                      "403": FORBIDDEN, "404": NOT_FOUND},
    }},
    "/api/v1/referrals/copies/{public_id}/transitions": {"post": {
        "tags": [TAG], "operationId": "transitionReferralCopy", "summary": "Act on a copy (accept, decline, schedule, ...)",
        "description": LANGUAGE, "parameters": [PUBLIC_ID],
        "requestBody": {"required": True, "content": content({"type": "object", "required": ["action"], "properties": {
            "action": {"type": "string", "enum": ["accept", "decline", "request_info", "schedule", "mark_attended",
                                                  "close", "cancel", "view"]},
            "reason": {"type": "string"}, "appointment_date": {"type": "string", "format": "date"},
            "message": {"type": "string"}}})},
        "responses": {"200": ok("The copy after the action.", {"$ref": "#/components/schemas/ReferralCopy"}, labelled=True),
                      "400": error("The body or a field is invalid; named. A question holding patient details "
                                     "lists their kinds in error.kinds."), "401": NOT_SIGNED_IN,
                      "403": FORBIDDEN, "404": NOT_FOUND, "409": error("The action is not possible in the copy's state.")},
    }},
    "/api/v1/referrals/copies/{public_id}/messages": {"post": {
        "tags": [TAG], "operationId": "postReferralMessage", "summary": "Write in a copy's thread",
        "parameters": [PUBLIC_ID],
        "requestBody": {"required": True, "content": content({"type": "object", "required": ["body"], "properties": {
            "body": {"type": "string"}}})},
        "responses": {"201": ok("The message.", {"type": "object", "required": ["id", "body"]}),
                      "400": error("The body is invalid, or holds patient details (their kinds in error.kinds)."),
                      "401": NOT_SIGNED_IN, "403": FORBIDDEN, "404": NOT_FOUND},
    }},
}
