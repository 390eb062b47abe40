"""The code systems, canonical URLs and codes the directory's FHIR resources use, from the Da Vinci PDex
Plan-Net 1.2.0 implementation guide (input/fsh/CodeSystems.fsh, ValueSets.fsh, Aliases.fsh) and the
terminologies it binds to. tests/test_fhir_profiles.py checks these against the guide's own files."""
from __future__ import annotations

PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
STRUCTURE = f"{PLAN_NET}/StructureDefinition"
CODE_SYSTEM = f"{PLAN_NET}/CodeSystem"

PROFILE = {
    "Practitioner": f"{STRUCTURE}/plannet-Practitioner",
    "PractitionerRole": f"{STRUCTURE}/plannet-PractitionerRole",
    "HealthcareService": f"{STRUCTURE}/plannet-HealthcareService",
    "Endpoint": f"{STRUCTURE}/plannet-Endpoint",
    "Location": f"{STRUCTURE}/plannet-Location",
    "Organization": f"{STRUCTURE}/plannet-Organization",
    "Network": f"{STRUCTURE}/plannet-Network",
    "OrganizationAffiliation": f"{STRUCTURE}/plannet-OrganizationAffiliation",
}

# Extensions
NEWPATIENTS = f"{STRUCTURE}/newpatients"
NETWORK_REFERENCE = f"{STRUCTURE}/network-reference"
DELIVERY_METHOD = f"{STRUCTURE}/delivery-method"
PRACTITIONER_QUALIFICATION = f"{STRUCTURE}/practitioner-qualification"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

# External code systems
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
USPS_SYSTEM = "https://www.usps.com/"
BCP47_SYSTEM = "urn:ietf:bcp:47"
URI_SYSTEM = "urn:ietf:rfc:3986"
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
SERVICE_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/service-type"

# Plan-Net code systems
ACCEPTING_PATIENTS_SYSTEM = f"{CODE_SYSTEM}/AcceptingPatientsCS"
DELIVERY_METHOD_SYSTEM = f"{CODE_SYSTEM}/DeliveryMethodCS"
SERVICE_CATEGORY_SYSTEM = f"{CODE_SYSTEM}/HealthcareServiceCategoryCS"
ORG_TYPE_SYSTEM = f"{CODE_SYSTEM}/OrgTypeCS"
QUALIFICATION_STATUS_SYSTEM = f"{CODE_SYSTEM}/QualificationStatusCS"
PROVIDER_ROLE_SYSTEM = f"{CODE_SYSTEM}/ProviderRoleCS"
AFFILIATION_ROLE_SYSTEM = f"{CODE_SYSTEM}/OrganizationAffiliationRoleCS"
ENDPOINT_CONNECTION_SYSTEM = f"{CODE_SYSTEM}/EndpointConnectionTypeCS"
ENDPOINT_PAYLOAD_SYSTEM = f"{CODE_SYSTEM}/EndpointPayloadTypeCS"

ACCEPTING = {"system": ACCEPTING_PATIENTS_SYSTEM, "code": "newpt", "display": "Accepting"}
NOT_ACCEPTING = {"system": ACCEPTING_PATIENTS_SYSTEM, "code": "nopt", "display": "Not Accepting"}
IN_PERSON = {"system": DELIVERY_METHOD_SYSTEM, "code": "physical", "display": "Physical"}
VIRTUAL = {"system": DELIVERY_METHOD_SYSTEM, "code": "virtual", "display": "Virtual"}
BEHAVIORAL_HEALTH = {"system": SERVICE_CATEGORY_SYSTEM, "code": "behav", "display": "Behavioral Health"}
PROVIDER_GROUP = {"system": ORG_TYPE_SYSTEM, "code": "prvgrp", "display": "Provider Group"}
PAYER = {"system": ORG_TYPE_SYSTEM, "code": "payer", "display": "Payer"}
NETWORK = {"system": ORG_TYPE_SYSTEM, "code": "ntwk", "display": "Network"}
OUTPATIENT_BEHAVIORAL = {"system": AFFILIATION_ROLE_SYSTEM, "code": "behavioral",
                         "display": "Outpatient Behavioral Health Provider"}
# A clinician's contact page is a web page: the guide's code for web portals.
WEB_PAGE = {"system": ENDPOINT_CONNECTION_SYSTEM, "code": "rest-non-fhir", "display": "REST (not FHIR)"}
NOT_APPLICABLE_PAYLOAD = {"system": ENDPOINT_PAYLOAD_SYSTEM, "code": "NA", "display": "Not Applicable"}
NPI_TYPE = {"system": IDENTIFIER_TYPE_SYSTEM, "code": "NPI", "display": "National provider identifier"}
PROVIDERS_OFFICE = {"system": ROLE_CODE_SYSTEM, "code": "PROFF", "display": "Provider's Office"}

# ProviderRoleCS codes by provider type (PractitionerRole.code is bound, required, to PractitionerRoleVS).
PROVIDER_ROLE = {
    "psychiatrist": ("ph", "Physician"),
    "psychologist": ("py", "Psychologist"),
    "clinical-social-worker": ("sw", "Social Worker"),
    "counselor": ("co", "Counselor"),
    "marriage-family-therapist": ("mt", "Marriage/Family Therapist"),
    "psychiatric-nurse-practitioner": ("apn", "Advanced Practice Nursing Providers"),
    "psychoanalyst": ("bh", "Behavioral Health & Social Service Providers"),
}

# HealthcareServiceTypeVS codes (service-type) that say exactly what a modality is.
SERVICE_TYPE_OF_MODALITY = {
    "family-systems": ("71", "Family Counselling/Therapy"),
    "couples": ("79", "Relationship Counselling"),
    "gottman": ("79", "Relationship Counselling"),
}

DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index 0 is Monday, as in OfficeHours

# The members of the guide's IndividualAndGroupSpecialtiesVS (ValueSets.fsh) among the behavioral-health NUCC
# codes the directory loads (seed_data/reference/nucc_behavioral_health_v25.1.csv). PractitionerRole.specialty
# is bound to that value set, required; the listings' other codes (retired or organizational) fall back to
# their provider type's code.
INDIVIDUAL_SPECIALTIES = frozenset({
    "101200000X", "101Y00000X", "101YA0400X", "101YM0800X", "101YP1600X", "101YP2500X", "101YS0200X",
    "102L00000X", "102X00000X", "103G00000X", "103K00000X", "103T00000X", "103TA0400X", "103TA0700X",
    "103TB0200X", "103TC0700X", "103TC1900X", "103TC2200X", "103TE1100X", "103TF0000X", "103TF0200X",
    "103TH0004X", "103TH0100X", "103TM1800X", "103TP0016X", "103TP0814X", "103TP2701X", "103TR0400X",
    "103TS0200X", "104100000X", "1041C0700X", "1041S0200X", "106E00000X", "106H00000X", "106S00000X",
    "163WP0807X", "163WP0808X", "163WP0809X", "167G00000X", "175T00000X", "1835P1300X", "2080P0006X",
    "2084A0401X", "2084B0040X", "2084F0202X", "2084P0015X", "2084P0800X", "2084P0802X", "2084P0804X",
    "2084P0805X", "221700000X", "225600000X", "225A00000X", "363LP0808X", "364SP0807X", "364SP0808X",
    "364SP0809X", "364SP0810X", "364SP0811X", "364SP0812X", "364SP0813X",
})
