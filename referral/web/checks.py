"""Self-check pages (PHQ-9, GAD-7) and the treatment-options guide that leads into the directory.

Answers are scored in the request and rendered; nothing is stored, logged, or put in a URL.
"""
from flask import Blueprint, abort, render_template, request

from ..extensions import csrf
from ..i18n import current_language
from ..services.errors import NotFound, ValidationFailed
from ..services.screeners import all_instruments, get_instrument, score_answers
from ..services.treatment_options import treatment_options as load_treatment_options
from .forms.checks import check_form_class

bp = Blueprint("checks", __name__)
PRIVATE_ENDPOINTS = frozenset({"checks.index", "checks.check", "checks.questions", "checks.score"})


@bp.after_request
def _no_store(response):
    """Keep self-check pages (and above all their results) out of every cache and the back-forward history."""
    if request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def _instrument(slug: str):
    try:
        return get_instrument(slug)
    except NotFound:
        abort(404)


@bp.get("/check")
def index():
    """The self-checks on offer, what they are and what they are not."""
    return render_template("checks/index.html", instruments=all_instruments())


@bp.get("/check/<slug>")
def check(slug: str):
    """What the self-check is, and a link to start it: no form yet, so reading it sets no cookie."""
    return render_template("checks/intro.html", instrument=_instrument(slug))


@bp.get("/check/<slug>/questions")
def questions(slug: str):
    """The questionnaire, once the visitor chose to start: its form's CSRF token sets the session cookie."""
    instrument = _instrument(slug)
    return render_template("checks/check.html", instrument=instrument,
                           form=check_form_class(instrument, current_language())())


# Exempt from the global CSRF check so that an expired token re-shows the form with the answers kept;
# the form validates its own token below.
@bp.post("/check/<slug>")
@csrf.exempt
def score(slug: str):
    """Score the answers on the server and show the result, keeping nothing."""
    instrument = _instrument(slug)
    form = check_form_class(instrument, current_language())()
    if not form.validate():  # the answer fields carry no validators: only the CSRF token can fail here
        form.mark_csrf_expired()
    else:
        try:
            result = score_answers(instrument, form.answers())
        except ValidationFailed as error:
            form.attach_errors(error.errors)
        else:
            return render_template("checks/result.html", result=result)
    return render_template("checks/check.html", instrument=instrument, form=form), 400


@bp.get("/therapies/options")
def treatment_options():
    """Types of treatment options: psychotherapy, medication, and the two together."""
    return render_template("guides/options.html", options=load_treatment_options())
