"""Self-check pages (PHQ-9, GAD-7) and the treatment-options guide that leads into the directory.

Answers are scored in the request and rendered; nothing is stored, logged, or put in a URL.
"""
from flask import Blueprint, abort, render_template, request

from ..extensions import csrf
from ..services.errors import NotFound, ValidationFailed
from ..services.screeners import all_instruments, get_instrument, score_answers
from ..services.treatment_options import treatment_options as load_treatment_options
from .forms.checks import check_form_class

bp = Blueprint("checks", __name__)
PRIVATE_ENDPOINTS = frozenset({"checks.index", "checks.check"})


@bp.after_request
def _no_store(response):
    """Keep self-check pages (and above all their results) out of every cache and the back-forward history."""
    if request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/check")
def index():
    """The self-checks on offer, what they are and what they are not."""
    return render_template("checks/index.html", instruments=all_instruments())


# Exempt from the global CSRF check so that an expired token re-shows the form with the answers kept;
# the form validates its own token below.
@bp.route("/check/<slug>", methods=["GET", "POST"])
@csrf.exempt
def check(slug: str):
    """GET: the questionnaire. POST: score it on the server and show the result, keeping nothing."""
    try:
        instrument = get_instrument(slug)
    except NotFound:
        abort(404)
    form = check_form_class(instrument)()
    if request.method == "POST":
        if not form.validate():  # the answer fields carry no validators: only the CSRF token can fail here
            form.mark_csrf_expired()
        else:
            try:
                result = score_answers(instrument, form.answers())
            except ValidationFailed as error:
                form.attach_errors(error.errors)
            else:
                return render_template("checks/result.html", result=result)
    status = 400 if form.has_errors else 200
    return render_template("checks/check.html", instrument=instrument, form=form), status


@bp.get("/therapies/options")
def treatment_options():
    """Types of treatment options: psychotherapy, medication, and the two together."""
    return render_template("guides/options.html", options=load_treatment_options())
