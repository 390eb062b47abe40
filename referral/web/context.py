"""Things views take from the app: the geocoder and configured rules."""
from flask import current_app

from ..services.geocoding import Geocoder
from ..services.search import AvailabilityRules
from ..services.search_params import SearchLimits


def geocoder() -> Geocoder:
    """The app's geocoder."""
    return current_app.extensions["geocoder"]


def availability_rules() -> AvailabilityRules:
    """Availability thresholds from configuration."""
    return AvailabilityRules.from_config(current_app.config)


def search_limits() -> SearchLimits:
    """Search bounds from configuration."""
    return SearchLimits.from_config(current_app.config)
