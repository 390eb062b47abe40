"""The home page and small static pages."""
from flask import Blueprint, current_app, render_template, send_from_directory

from ..i18n import home_redirect
from ..services.attributes import SEARCHABLE
from ..services.reference import items_by_attribute
from .forms import SearchForm

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """The search and the guide, side by side (a browser that prefers Spanish is sent to /es/)."""
    redirect_to_language = home_redirect()
    if redirect_to_language:
        return redirect_to_language
    form = SearchForm()
    form.set_choices(items_by_attribute(SEARCHABLE))
    return render_template("main/home.html", form=form)


@bp.get("/about")
def about():
    """What the directory is, where its data comes from, and what it does not do."""
    return render_template("main/about.html")


@bp.get("/favicon.ico")
def favicon():
    """The site's icon, for browsers that ask for it where pages do not name one."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
