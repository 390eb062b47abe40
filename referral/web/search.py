"""The search page: a GET form and its results."""
from flask import Blueprint, render_template, request

from ..i18n import gettext as _
from ..services.errors import ValidationFailed
from ..services.map_view import results_map
from ..services.attributes import SEARCHABLE
from ..services.reference import items_by_attribute
from ..services.search import also_nearby, search_providers
from ..services.search_params import given, parse_search
from .context import availability_rules, geocoder, search_limits
from .forms import SearchForm

bp = Blueprint("search", __name__)


@bp.get("/search")
def search():
    """Show the search form and, once anything is asked, the results."""
    form = SearchForm(request.args)
    form.set_choices(items_by_attribute(SEARCHABLE))
    results = None
    criteria = None
    nearby = []
    place_choices = ()
    if given(request.args):
        try:
            criteria = parse_search(request.args, geocoder(), search_limits())
        except ValidationFailed as error:
            form.attach_errors(error.errors)
            place_choices = error.place_choices
        else:
            results = search_providers(criteria, rules=availability_rules())
            if results.past_the_end:
                form.attach_errors({"page": _("There is no page %(page)s: the results end at page %(last)s.",
                                              page=criteria.page, last=results.pages)})
            else:
                nearby = also_nearby(criteria, rules=availability_rules())
    status = 400 if form.has_errors else 200
    return render_template("search/index.html", form=form, results=results, criteria=criteria,
                           rules=availability_rules(), place_choices=place_choices, also_nearby=nearby), status


bp.add_app_template_global(results_map, "results_map")
