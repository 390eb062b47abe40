"""FHIR R4 read API under /fhir: Practitioner, PractitionerRole and Location, shaped after Plan-Net."""
from flask import Blueprint

fhir_bp = Blueprint("fhir", __name__, url_prefix="/fhir")

from . import views  # noqa: E402,F401  (routes register on import)
