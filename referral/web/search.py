"""The search page: a GET form and its results."""
from flask import Blueprint, render_template, request

from ..services.errors import ValidationFailed
from ..services.attributes import SEARCHABLE
from ..services.reference import items_by_attribute
from ..services.search import search_providers
from ..services.search_params import parse_search
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
    asked = any(value.strip() for _, value in request.args.items(multi=True))
    if asked:
        try:
            criteria = parse_search(request.args, geocoder(), search_limits())
        except ValidationFailed as error:
            form.attach_errors(error.errors)
        else:
            results = search_providers(criteria, rules=availability_rules())
            if results.past_the_end:
                form.attach_errors({"page": f"There is no page {criteria.page}: the results end at page {results.pages}."})
    status = 400 if form.has_errors else 200
    return render_template("search/index.html", form=form, results=results, criteria=criteria,
                           rules=availability_rules()), status
