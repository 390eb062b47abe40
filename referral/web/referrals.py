"""Referral pages: the shortlist, "Refer a patient", the recipient's inbox, the referrer's dashboard,
a referral's copies with their timeline and thread, the letter, the referrer profile and its review.

Every page here answers Cache-Control: no-store. URLs carry opaque ids only, never a patient detail.
"""
from types import SimpleNamespace
from urllib.parse import urlsplit

import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..database import takes_write_transaction
from ..extensions import db, login_manager
from ..i18n import gettext as _, lazy_gettext as _l, ngettext, translated
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
        flash(_("That provider cannot receive referrals yet."), "error")
    elif len(ids) >= service.MAX_RECIPIENTS:
        flash(_("Your shortlist is full: a referral goes to at most %(max)d providers.", max=service.MAX_RECIPIENTS),
              "error")
    else:
        session[SHORTLIST_KEY] = ids + [provider_id]
        flash(_("Added to your referral shortlist."), "info")
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
    flash(_("Removed from your referral shortlist."), "info")
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
            providers_error = str(providers_error) if providers_error else None
            return render_template("referrals/new.html", form=form, shortlist=shortlist, urgent=False,
                                   providers_error=providers_error, prefill_from=prefill_from), 422
        else:
            db.session.commit()
            session.pop(SHORTLIST_KEY, None)
            session.pop(PREFILL_KEY, None)
            flash(ngettext("Referral sent to %(num)d provider.", "Referral sent to %(num)d providers.",
                           len(referral.copies)), "info")
            return redirect(url_for("referrals.referral", public_id=referral.public_id))
    return render_template("referrals/new.html", form=form, shortlist=shortlist, urgent=urgent,
                           providers_error=None, prefill_from=prefill_from)


@bp.get("/referrals/<public_id>/refer-elsewhere")
def refer_elsewhere(public_id: str):
    """Start a new referral pre-filled from this one (after a decline or expiry)."""
    try:
        service.prefill_refer_elsewhere(_user(), public_id)
    except Conflict as error:
        flash(str(error.message), "error")
        return redirect(url_for("referrals.dashboard"))
    session[PREFILL_KEY] = public_id
    session.pop(SHORTLIST_KEY, None)
    flash(_("The form is filled in from your earlier referral. Add other providers to your shortlist from search."),
          "info")
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
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Referral cancelled. The recipients see it as cancelled."), "info")
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
        flash(str(error.message), "error")
        return redirect(url_for("referrals.copy", public_id=public_id))
    except ValidationFailed as error:
        db.session.rollback()
        view = service.get_copy(_user(), public_id, mark_viewed=False)
        for name, message in error.errors.items():
            target = getattr(form, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = list(target.errors or []) + [str(message)]
            else:
                flash(str(message), "error")
        return _copy_page(view, forms={action: form}, status=422)
    db.session.commit()
    flash(_("Done: %(state)s.", state=str(STATE_LABELS[TRANSITIONS[action].target]).lower()), "info")
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
        flash(str(error.message), "error")
    except ValidationFailed as error:
        db.session.rollback()
        form.body.errors = list(form.body.errors or []) + [str(m) for m in error.errors.values()]
        view = service.get_copy(_user(), public_id, mark_viewed=False)
        return _copy_page(view, message_form=form, status=422)
    else:
        db.session.commit()
        flash(_("Message sent."), "info")
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
            flash(str(error.message), "error")
            return render_template("referrals/profile.html", form=form, profile=existing), 403
        except Conflict as error:
            db.session.rollback()
            flash(str(error.message), "error")
        except ValidationFailed as error:
            db.session.rollback()
            for name, message in error.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(field.errors or []) + [str(message)]
            return render_template("referrals/profile.html", form=form, profile=existing), 422
        else:
            db.session.commit()
            flash(_("Thank you. An administrator will check your NPI and approve your profile."), "info")
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
        flash(str(error.message), "error")
        return redirect(url_for("referrals.admin_referrers"))
    db.session.commit()
    if decided.status == "approved":
        flash(_("%(name)s: approved.", name=decided.clinician_name), "info")
    else:
        flash(_("%(name)s: rejected.", name=decided.clinician_name), "info")
    return redirect(url_for("referrals.admin_referrers"))


@bp.app_template_filter("referral_state")
def referral_state_label(state: str) -> str:
    """A copy state as people read it."""
    return str(STATE_LABELS.get(state, state))


@bp.app_template_filter("referral_event")
def referral_event_label(action: str) -> str:
    """A timeline step as people read it."""
    return str(EVENT_LABELS.get(action, action))


# Who took a timeline step, as "(by the referrer)" says it.
_ACTOR_PHRASES = {
    "referrer": _l("by the referrer"),
    "recipient": _l("by the recipient"),
    "admin": _l("by the admin"),
    "system": _l("automatically"),
}
# Details the service stores in English; decline reasons are found through DECLINE_REASONS' messages.
_EXPIRED_DETAIL = re.compile(re.escape(service.EXPIRED_DETAIL).replace(re.escape("{days}"), r"(\d+)") + "$")
_DETAILS = {service.PLACED_ELSEWHERE_DETAIL: _l("Another recipient accepted this referral")}


@bp.app_template_filter("referral_actor")
def referral_actor_label(role: str) -> str:
    """Who took a timeline step: "by the referrer", "automatically"."""
    return str(_ACTOR_PHRASES.get(role, role))


@bp.app_template_filter("referral_event_detail")
def referral_event_detail(detail: str) -> str:
    """A timeline step's detail, stored in English (a decline reason, why it closed), in the reader's language."""
    expired = _EXPIRED_DETAIL.match(detail or "")
    if expired:
        return ngettext("No answer within %(num)d day", "No answer within %(num)d days", int(expired.group(1)))
    if detail in _DETAILS:
        return str(_DETAILS[detail])
    return translated(detail)


@bp.app_template_filter("age_since")
def age_since(moment) -> str:
    """How long ago: "3 days ago", "5 h ago", "just now"."""
    from ..models import utcnow

    seconds = (utcnow() - moment).total_seconds()
    if seconds >= 86400:
        return ngettext("%(num)d day ago", "%(num)d days ago", int(seconds // 86400))
    if seconds >= 3600:
        return _("%(num)d h ago", num=int(seconds // 3600))
    return _("%(num)d min ago", num=int(seconds // 60)) if seconds >= 60 else _("just now")


@bp.app_template_filter("decline_reason")
def decline_reason_label(code: str) -> str:
    """A decline reason as people read it."""
    return str(DECLINE_REASONS.get(code, code))
