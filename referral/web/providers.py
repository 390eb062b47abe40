"""Provider profile pages."""
from flask import Blueprint, abort, render_template, request

from ..services.errors import NotFound, ValidationFailed
from ..services.geocoding import distance_miles
from ..services.providers import get_public_provider
from ..services.search_params import parse_search
from .context import geocoder, search_limits

bp = Blueprint("providers", __name__)


def _search_place():
    """Where the visitor searched from, when the profile link carries it."""
    located = {key: request.args[key] for key in ("near", "lat", "lng") if request.args.get(key)}
    if not located:
        return None
    try:
        return parse_search(located, geocoder(), search_limits()).place
    except ValidationFailed:
        return None


@bp.get("/providers/<int:provider_id>")
def profile(provider_id: int):
    """A provider's full listing, with each office's distance from the search's location."""
    try:
        provider = get_public_provider(provider_id)
    except NotFound:
        abort(404)
    place = _search_place()
    distances = {}
    if place is not None:
        for office in provider.offices:
            if office.lat is not None and office.lng is not None:
                distances[office.id] = distance_miles(place.lat, place.lng, office.lat, office.lng)
    return render_template("providers/profile.html", provider=provider, place=place, distances=distances)
