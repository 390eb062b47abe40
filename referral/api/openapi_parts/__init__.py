"""The OpenAPI description in parts, one per area; openapi.py merges them.

Each part is a module with PATHS (path -> path item), SCHEMAS (component schemas) and TAG.
Add a part for a new area here and its paths appear in /api/v1/openapi.json and /api/docs.
"""
from . import common, fhir, hsds, listings, providers, referrals

PARTS = (providers, listings, referrals, fhir, hsds)
TAG_DESCRIPTIONS = {
    providers.TAG: "Search the directory and read listings (JSON and CSV).",
    listings.TAG: "A provider's own listing: read and change it while signed in (session cookie).",
    referrals.TAG: "Referrals between clinicians, signed in. Patient details travel only in request bodies.",
    fhir.TAG: "HL7 FHIR R4 provider directory, shaped after the Da Vinci PDex Plan-Net profiles.",
    hsds.TAG: "Open Referral Human Services Data Specification 3.0: practices, services and offices.",
}
COMMON_SCHEMAS = common.COMPONENT_SCHEMAS
