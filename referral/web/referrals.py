"""Referral pages: the shortlist, "Refer a patient", the recipient's inbox, the referrer's dashboard,
a referral's copies with their timeline and thread, the letter, the referrer profile and its review.

Every page here answers Cache-Control: no-store. URLs carry opaque ids only, never a patient detail.
"""
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..database import takes_write_transaction
from ..extensions import db, login_manager
from ..models import AgeGroup, Concern, Frequency, InsurancePlan, Modality
from ..services import referrals as service
from ..services import referrers
from ..services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..services.reference import all_items
from ..services.referral_letter import letter_for, letter_pdf
from ..services.referral_states import DECLINE_REASONS, EVENT_LABELS, STATE_LABELS, STATES, TRANSITIONS
from .forms.referrals import (
    ActionForm,
    DeclineForm,
    MessageForm,
    ProfileDecisionForm,
    ReferralForm,
    ReferrerProfileForm,
    RequestInfoForm,
    ScheduleForm,
)

bp = Blueprint("referrals", __name__)

SHORTLIST_KEY = "referral_shortlist"
PREFILL_KEY = "referral_prefill"
ACTION_FORMS = {"decline": DeclineForm, "request_info": RequestInfoForm, "schedule": ScheduleForm}


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _user():
    return current_user._get_current_object()


def _http_error(error) -> None:
    """Turn an access error from the service into 403 / 404."""
    if isinstance(error, NotFound):
        abort(404)
    abort(403)


@bp.app_template_global("referral_shortlist_state")
def shortlist_state():
    """For the "Add to referral shortlist" buttons: whether the visitor may refer, and the ids on the shortlist."""
    # Kept on g: once per request, however many result cards ask.
    state = g.get("referral_shortlist_state")
    if state is None:
        user = current_user if current_user and current_user.is_authenticated else None
        state = SimpleNamespace(
            can_refer=referrers.can_refer(user) if user is not None else False,
            ids=set(session.get(SHORTLIST_KEY, [])),
            limit=service.MAX_RECIPIENTS,
        )
        g.referral_shortlist_state = state
    return state


@bp.app_template_global("referral_can_receive")
def referral_can_receive(provider) -> bool:
    """Whether a listing can receive referrals (verified, with an owner)."""
    return service.can_receive(provider)


def _safe_next(target: str | None, fallback: str) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target


def _at_card(target: str, provider_id: int) -> str:
    """A results page at the provider's card, where the shortlist button was pressed; any other page as it is."""
    parts = urlsplit(target)
    if parts.path != url_for("search.search") or parts.fragment:
        return target
    return f"{target}#provider-{provider_id}"


# --- the shortlist ---------------------------------------------------------------------------


@bp.post("/referrals/shortlist")
def shortlist_add():
    """Add a provider to the referral shortlist held in the session (ids only)."""
    form = ActionForm()
    if not form.validate():
        abort(400)
    back = _safe_next(request.form.get("next"), url_for("referrals.new"))
    if not referrers.can_refer(_user()):
        abort(403)
    try:
        provider_id = int(request.form.get("provider_id", ""))
    except ValueError:
        abort(400)
    ids = [i for i in session.get(SHORTLIST_KEY, []) if i != provider_id]
    if not service.shortlist_providers([provider_id]):
        flash("That provider cannot receive referrals yet.", "error")
    elif len(ids) >= service.MAX_RECIPIENTS:
        flash(f"Your shortlist is full: a referral goes to at most {service.MAX_RECIPIENTS} providers.", "error")
    else:
        session[SHORTLIST_KEY] = ids + [provider_id]
        flash("Added to your referral shortlist.", "info")
    return redirect(_at_card(back, provider_id))


@bp.post("/referrals/shortlist/remove")
def shortlist_remove():
    """Take a provider off the referral shortlist."""
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        provider_id = int(request.form.get("provider_id", ""))
    except ValueError:
        abort(400)
    session[SHORTLIST_KEY] = [i for i in session.get(SHORTLIST_KEY, []) if i != provider_id]
    flash("Removed from your referral shortlist.", "info")
    return redirect(_at_card(_safe_next(request.form.get("next"), url_for("referrals.new")), provider_id))


# --- sending ---------------------------------------------------------------------------------


def _reference_lists() -> dict:
    return {
        "age_groups": all_items(AgeGroup), "concerns": all_items(Concern), "modalities": all_items(Modality),
        "frequencies": all_items(Frequency), "insurance": all_items(InsurancePlan),
    }


@bp.route("/referrals/new", methods=["GET", "POST"])
def new():
    """Refer a patient to the providers on the shortlist (urgent shows crisis guidance instead)."""
    user = _user()
    if not referrers.can_refer(user):
        return render_template("referrals/not_referrer.html", profile=referrers.profile_of(user)), 403
    shortlist = service.shortlist_providers(session.get(SHORTLIST_KEY, []))
    form = ReferralForm()
    form.set_choices(_reference_lists())
    prefill_from = session.get(PREFILL_KEY)
    urgent = False
    if request.method == "GET" and prefill_from:
        try:
            form.process(data=service.prefill_refer_elsewhere(user, prefill_from))
        except (NotFound, PermissionDenied, Conflict):
            session.pop(PREFILL_KEY, None)
            prefill_from = None
    if form.is_submitted():
        if not form.validate():
            abort(400)  # only the CSRF token can fail here; the service checks the fields
        try:
            referral = service.send_referral(user, form.service_data(), [p.id for p in shortlist],
                                             original_public_id=prefill_from)
        except service.UrgentReferral:
            urgent = True
        except ValidationFailed as error:
            form.attach_errors(error.errors)
            providers_error = error.errors.get("providers")
            return render_template("referrals/new.html", form=form, shortlist=shortlist, urgent=False,
                                   providers_error=providers_error, prefill_from=prefill_from), 422
        else:
            db.session.commit()
            session.pop(SHORTLIST_KEY, None)
            session.pop(PREFILL_KEY, None)
            flash(f"Referral sent to {len(referral.copies)} provider{'s' if len(referral.copies) != 1 else ''}.", "info")
            return redirect(url_for("referrals.referral", public_id=referral.public_id))
    return render_template("referrals/new.html", form=form, shortlist=shortlist, urgent=urgent,
                           providers_error=None, prefill_from=prefill_from)


@bp.get("/referrals/<public_id>/refer-elsewhere")
def refer_elsewhere(public_id: str):
    """Start a new referral pre-filled from this one (after a decline or expiry)."""
    try:
        service.prefill_refer_elsewhere(_user(), public_id)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("referrals.dashboard"))
    session[PREFILL_KEY] = public_id
    session.pop(SHORTLIST_KEY, None)
    flash("The form is filled in from your earlier referral. Add other providers to your shortlist from search.", "info")
    return redirect(url_for("referrals.new"))


# --- the referrer's dashboard and a referral ---------------------------------------------------


@bp.get("/referrals")
def dashboard():
    """The referrer's referrals: state and age, filters by state, times to first answer and to scheduling."""
    state = request.args.get("state") or None
    if state not in STATES:
        state = None
    user = _user()
    everything = service.referrer_referrals(user)
    shown = [s for s in everything if not state or s.state == state]
    return render_template(
        "referrals/dashboard.html", summaries=shown, stats=service.referrer_stats(everything), state=state,
        counts={s: sum(1 for x in everything if x.state == s) for s in STATES}, can_refer=referrers.can_refer(user),
        profile=referrers.profile_of(user), shortlist_count=len(session.get(SHORTLIST_KEY, [])),
    )


@bp.get("/referrals/<public_id>")
@takes_write_transaction
def referral(public_id: str):
    """A referral with every copy (referrer, admin); a recipient goes to their own copy."""
    found = service.get_referral(_user(), public_id)
    db.session.commit()  # an admin's read is audited
    if found.role == service.RECIPIENT:
        return redirect(url_for("referrals.copy", public_id=found.copies[0].public_id))
    return render_template("referrals/referral.html", view=found, summary=service.summarize(found.referral),
                           cancel_form=ActionForm())


@bp.post("/referrals/<public_id>/cancel")
def cancel(public_id: str):
    """The referrer cancels every open copy."""
    if not ActionForm().validate():
        abort(400)
    try:
        service.cancel(_user(), public_id)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Referral cancelled. The recipients see it as cancelled.", "info")
    return redirect(url_for("referrals.referral", public_id=public_id))


# --- the recipient's inbox and one copy --------------------------------------------------------


@bp.get("/referrals/inbox")
def inbox():
    """Referrals sent to the listings the user owns."""
    state = request.args.get("state") or None
    if state not in STATES:
        state = None
    copies = service.inbox(_user(), state)
    return render_template("referrals/inbox.html", copies=copies, state=state)


def _copy_page(view, forms=None, message_form=None, status=200):
    forms = forms or {}
    action_forms = {t.action: forms.get(t.action) or ACTION_FORMS.get(t.action, ActionForm)(prefix=t.action)
                    for t in view.actions}
    return render_template(
        "referrals/copy.html", view=view, copy=view.copy, referral=view.copy.referral, action_forms=action_forms,
        message_form=message_form or MessageForm(), transitions=TRANSITIONS,
        referrer_label=referrers.referrer_name(view.copy.referral.referrer),
    ), status


@bp.get("/referrals/copies/<public_id>")
@takes_write_transaction
def copy(public_id: str):
    """One copy: the referral, the answer buttons, the timeline and the thread."""
    try:
        view = service.get_copy(_user(), public_id)
    except Conflict:  # marked viewed in another tab meanwhile: show it as it is now
        db.session.rollback()
        view = service.get_copy(_user(), public_id, mark_viewed=False)
    db.session.commit()  # the recipient's first look marks it viewed; an admin's read is audited
    return _copy_page(view)


@bp.post("/referrals/copies/<public_id>/actions/<action>")
def act(public_id: str, action: str):
    """Apply one action (accept, decline, ask for information, schedule, mark attended, close, cancel)."""
    if action not in TRANSITIONS:
        abort(404)
    form = ACTION_FORMS.get(action, ActionForm)(prefix=action)
    if not form.validate():
        abort(400)
    fields = {
        "reason": getattr(getattr(form, "reason", None), "data", None),
        "appointment_date": getattr(getattr(form, "appointment_date", None), "data", None),
        "message": getattr(getattr(form, "message", None), "data", None),
    }
    try:
        service.transition(_user(), public_id, action, **fields)
    except (NotFound, PermissionDenied) as error:
        db.session.rollback()
        _http_error(error)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("referrals.copy", public_id=public_id))
    except ValidationFailed as error:
        db.session.rollback()
        view = service.get_copy(_user(), public_id, mark_viewed=False)
        for name, message in error.errors.items():
            target = getattr(form, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = list(target.errors or []) + [message]
            else:
                flash(message, "error")
        return _copy_page(view, forms={action: form}, status=422)
    db.session.commit()
    flash(f"Done: {STATE_LABELS[TRANSITIONS[action].target].lower()}.", "info")
    return redirect(url_for("referrals.copy", public_id=public_id))


@bp.post("/referrals/copies/<public_id>/messages")
def message(public_id: str):
    """Write in the thread between the referrer and the recipient."""
    form = MessageForm()
    if not form.validate():
        abort(400)
    try:
        service.post_message(_user(), public_id, form.body.data)
    except (NotFound, PermissionDenied) as error:
        db.session.rollback()
        _http_error(error)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
    except ValidationFailed as error:
        db.session.rollback()
        form.body.errors = list(form.body.errors or []) + list(error.errors.values())
        view = service.get_copy(_user(), public_id, mark_viewed=False)
        return _copy_page(view, message_form=form, status=422)
    else:
        db.session.commit()
        flash("Message sent.", "info")
    return redirect(url_for("referrals.copy", public_id=public_id) + "#thread")


# --- the letter ------------------------------------------------------------------------------


def _letter_view(public_id: str, via: str):
    view = service.get_copy(_user(), public_id, via=via, mark_viewed=False)
    db.session.commit()
    return view


@bp.get("/referrals/copies/<public_id>/letter")
@takes_write_transaction
def letter(public_id: str):
    """The referral letter as a printable page."""
    view = _letter_view(public_id, "letter")
    return render_template("referrals/letter.html", view=view, letter=letter_for(view.copy))


@bp.get("/referrals/copies/<public_id>/letter.pdf")
@takes_write_transaction
def letter_download(public_id: str):
    """The referral letter as a PDF download."""
    view = _letter_view(public_id, "letter.pdf")
    body = letter_pdf(letter_for(view.copy))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="referral-letter.pdf"'})


# --- the referrer profile and its review -----------------------------------------------------


@bp.route("/referrals/profile", methods=["GET", "POST"])
def profile():
    """A referring clinician applies with their NPI; an admin approves."""
    user = _user()
    existing = referrers.profile_of(user)
    form = ReferrerProfileForm(obj=existing if request.method == "GET" else None)
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            referrers.submit_profile(user, form.npi.data, form.clinician_name.data, form.credentials.data,
                                     form.organization.data)
        except PermissionDenied as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("referrals/profile.html", form=form, profile=existing), 403
        except Conflict as error:
            db.session.rollback()
            flash(error.message, "error")
        except ValidationFailed as error:
            db.session.rollback()
            for name, message in error.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(field.errors or []) + [message]
            return render_template("referrals/profile.html", form=form, profile=existing), 422
        else:
            db.session.commit()
            flash("Thank you. An administrator will check your NPI and approve your profile.", "info")
            return redirect(url_for("referrals.profile"))
    return render_template("referrals/profile.html", form=form, profile=existing)


@bp.get("/admin/referrers")
def admin_referrers():
    """Admins review referrer profiles waiting for approval."""
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "rejected"):
        status = "pending"
    profiles = referrers.profiles_for_review(_user(), status)
    forms = {p.id: ProfileDecisionForm(prefix=f"p{p.id}") for p in profiles}
    return render_template("referrals/admin_referrers.html", profiles=profiles, forms=forms, status=status)


@bp.post("/admin/referrers/<int:profile_id>/decision")
def admin_decide(profile_id: int):
    """Approve a referrer profile, or reject it with a reason."""
    form = ProfileDecisionForm(prefix=f"p{profile_id}")
    if not form.validate():
        abort(400)
    try:
        decided = referrers.decide_profile(_user(), profile_id, form.decision.data == "approve", form.reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("referrals.admin_referrers"))
    db.session.commit()
    flash(f"{decided.clinician_name}: {decided.status}.", "info")
    return redirect(url_for("referrals.admin_referrers"))


@bp.app_template_filter("referral_state")
def referral_state_label(state: str) -> str:
    """A copy state as people read it."""
    return STATE_LABELS.get(state, state)


@bp.app_template_filter("referral_event")
def referral_event_label(action: str) -> str:
    """A timeline step as people read it."""
    return EVENT_LABELS.get(action, action)


@bp.app_template_filter("age_since")
def age_since(moment) -> str:
    """How long ago: "3 days ago", "5 h ago", "just now"."""
    from ..models import utcnow

    seconds = (utcnow() - moment).total_seconds()
    if seconds >= 2 * 86400:
        return f"{int(seconds // 86400)} days ago"
    if seconds >= 86400:
        return "1 day ago"
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 60)} min ago" if seconds >= 60 else "just now"


@bp.app_template_filter("decline_reason")
def decline_reason_label(code: str) -> str:
    """A decline reason as people read it."""
    return DECLINE_REASONS.get(code, code)
