"""Provider self-service pages: dashboard, new listing, claim, editor, history, availability, inquiries."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..extensions import csrf, db, limiter
from ..i18n import current_language, gettext as _
from ..models import LISTING_PENDING, LISTING_VERIFIED, ProviderType
from ..services import availability as availability_service
from ..services.errors import Conflict, PermissionDenied, ValidationFailed
from ..services.follow_ups import offer_token_for
from ..services.inquiries import accepts_inquiries, mark_answered, submit_inquiry
from ..services.listing_history import history_for
from ..services.listings import (
    FIELD_LABELS,
    LISTING_STATUS_TEXT,
    StaleEdit,
    claim_listing,
    create_listing,
    dashboard_for,
    display_value,
    get_listing_for_edit,
    listing_values,
    photo_for,
    resubmit_listing,
    update_listing,
)
from ..services.photos import MAX_PHOTO_BYTES
from ..services.providers import get_public_provider
from ..services.attributes import EDITABLE
from ..services.reference import all_items, items_by_attribute
from .context import geocoder
from .forms.listings import ActionForm, ClaimForm, InquiryForm, ListingForm, NewListingForm, editor_data
from ..i18n import request_links_by_language
from .providers import kept_search

bp = Blueprint("listings", __name__)
PRIVATE_ENDPOINTS = frozenset({"listings.contact", "listings.confirm_availability_link"})


@bp.app_context_processor
def _listing_helpers():
    """What the profile's contact section needs on any page that renders it."""
    return {"accepts_inquiries": accepts_inquiries}


@bp.after_request
def _no_store(response):
    """Keep what a visitor types to a provider, and pages reached by an emailed link, out of every cache."""
    if request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def _denied(error: PermissionDenied):
    """A 403 page that says why (e.g. confirm your email first)."""
    return render_template("errors/error.html", status=403, message=error.message), 403


def _user():
    return current_user._get_current_object()


# --- dashboard, new listing, claim -------------------------------------------------------------

@bp.get("/dashboard")
@login_required
def dashboard():
    """The owner's listings with their status, availability, inquiries, and claims in progress."""
    data = dashboard_for(_user())
    return render_template("listings/dashboard.html", data=data, action_form=ActionForm(), claim_form=ClaimForm(),
                           status_text=LISTING_STATUS_TEXT)


@bp.route("/listings/new", methods=["GET", "POST"])
@login_required
def new_listing():
    """Create a listing; it waits for review while the owner fills it in."""
    form = NewListingForm()
    form.provider_type.choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(t.slug, t.label)
                                                                   for t in all_items(ProviderType)]
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                provider = create_listing(_user(), {name: form[name].data or "" for name in
                                                    ("npi", "first_name", "last_name", "credentials", "provider_type")})
            except PermissionDenied as error:
                return _denied(error)
            except ValidationFailed as error:
                form.attach_errors(error.errors)
            else:
                db.session.commit()
                flash(_("Your listing was created and is waiting for review. Meanwhile, fill in the rest of it."))
                return redirect(url_for(".edit", provider_id=provider.id))
        status = 400
    return render_template("listings/new.html", form=form), status


@bp.route("/listings/claim", methods=["GET", "POST"])
@login_required
def claim():
    """Claim an existing listing by its NPI; an admin reviews the claim."""
    # A listing's "Claim this listing" link fills in its NPI.
    form = ClaimForm() if request.method == "POST" else ClaimForm(npi=request.args.get("npi", "")[:10])
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                review = claim_listing(_user(), form.npi.data or "")
            except PermissionDenied as error:
                return _denied(error)
            except ValidationFailed as error:
                form.npi.errors = list(form.npi.errors or []) + [error.errors.get("npi", error.message)]
            else:
                db.session.commit()
                flash(_("Your claim on the listing of %(name)s is waiting for review. "
                        "Until it is approved the listing stays as it is.", name=review.provider.name))
                return redirect(url_for(".dashboard"))
        status = 400
    return render_template("listings/claim.html", form=form), status


@bp.post("/listings/<int:provider_id>/resubmit")
@login_required
def resubmit(provider_id: int):
    """Send a rejected listing back for review."""
    if not ActionForm().validate():
        abort(400)
    try:
        resubmit_listing(_user(), provider_id)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for(".dashboard"))
    db.session.commit()
    flash(_("Your listing is waiting for review again."))
    return redirect(url_for(".dashboard"))


# --- the editor --------------------------------------------------------------------------------

def _editor_form(provider, formdata_present: bool) -> ListingForm:
    if formdata_present:
        form = ListingForm()
    else:
        form = ListingForm(data={**editor_data(listing_values(provider)), "version": str(provider.version_id)})
    form.set_choices(items_by_attribute(EDITABLE))
    return form


def _uploaded_photo(form: ListingForm) -> bytes | None:
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.read(MAX_PHOTO_BYTES + 1)  # one byte more than allowed is enough to refuse it


@bp.route("/listings/<int:provider_id>/edit", methods=["GET", "POST"])
@login_required
def edit(provider_id: int):
    """The listing editor. A save from a stale copy is refused and shows what changed meanwhile."""
    provider = get_listing_for_edit(_user(), provider_id)
    form = _editor_form(provider, request.method == "POST")
    differences, status = [], 200
    if request.method == "POST":
        status = 400
        typing_errors = form.typing_errors() if form.validate() else None
        if typing_errors:
            form.attach_errors(typing_errors)
        elif typing_errors is not None:
            status_before = provider.listing_status
            try:
                saved = update_listing(_user(), provider_id, form.to_changes(), form.submitted_version(), geocoder(),
                                       photo=_uploaded_photo(form), remove_photo=bool(form.remove_photo.data))
            except StaleEdit as error:
                differences, status = error.differences, 409
                form.version.data = str(error.current_version)  # saving again now overwrites, knowingly
                provider = get_listing_for_edit(_user(), provider_id)
            except ValidationFailed as error:
                form.attach_errors(error.errors)
            else:
                db.session.commit()
                if status_before == LISTING_VERIFIED and saved.listing_status == LISTING_PENDING:
                    flash(_("Your listing is saved. Your name, credentials or type of clinician changed, so it is "
                            "waiting for review and is not shown in search until then. An administrator will check "
                            "the change; we will email you when they have."))
                else:
                    flash(_("Your listing is saved."))
                return redirect(url_for(".edit", provider_id=provider_id))
    form.add_spare_rows()
    return render_template("listings/edit.html", form=form, provider=provider, differences=differences,
                           status_text=LISTING_STATUS_TEXT), status


@bp.get("/listings/<int:provider_id>/history")
@login_required
def history(provider_id: int):
    """Every change to the listing: who, when, which fields, old and new values."""
    provider, entries = history_for(_user(), provider_id)
    return render_template("listings/history.html", provider=provider, entries=entries, display_value=display_value,
                           labels=FIELD_LABELS)


@bp.get("/providers/<int:provider_id>/photo")
def photo(provider_id: int):
    """A listing's photo, served by the app itself."""
    stored = photo_for(current_user._get_current_object() if current_user.is_authenticated else None, provider_id)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- availability ------------------------------------------------------------------------------

@bp.post("/listings/<int:provider_id>/confirm-availability")
@login_required
def confirm_availability(provider_id: int):
    """One click on the dashboard: the listing's availability is confirmed as of today."""
    if not ActionForm().validate():
        abort(400)
    provider = availability_service.confirm_availability(_user(), provider_id)
    db.session.commit()
    flash(_("Availability confirmed for %(name)s. Thank you.", name=provider.name))
    if request.form.get("next") == "edit":
        return redirect(url_for(".edit", provider_id=provider_id))
    return redirect(url_for(".dashboard"))


# Exempt from the global CSRF check so that a page left open too long shows its button again instead of an
# error; the form checks its own token.
@bp.route("/availability/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt
def confirm_availability_link(token: str):
    """The signed link from a reminder email: a page with a button, and the button confirms without logging in.

    Opening the link (GET, HEAD) changes nothing: mail scanners open links to check them.
    """
    secret, days = current_app.config["SECRET_KEY"], current_app.config["AVAILABILITY_CONFIRM_LINK_DAYS"]
    try:
        provider = availability_service.provider_for_token(secret, token, days)
    except ValidationFailed as error:
        return render_template("listings/confirmed.html", provider=None, error=error.message), 400
    form = ActionForm()  # made only for a good link: its CSRF token is what sets the session cookie
    if request.method == "POST" and form.validate():
        try:
            provider = availability_service.confirm_by_token(secret, token, days)
        except ValidationFailed as error:  # the owner changed since the check above
            return render_template("listings/confirmed.html", provider=None, error=error.message), 400
        db.session.commit()
        return render_template("listings/confirmed.html", provider=provider, error=None)
    # A POST without this page's valid token (left open too long, or sent from another site) confirms nothing.
    retry = request.method == "POST"
    status = 400 if retry else 200
    return render_template("listings/confirm_link.html", provider=provider, form=form, retry=retry), status


# --- inquiries ---------------------------------------------------------------------------------

def _contactable(provider_id: int):
    """A public listing that takes messages through the directory, else 404."""
    provider = get_public_provider(provider_id)
    if not accepts_inquiries(provider):
        abort(404)
    return provider


# Exempt from the global CSRF check so that a message sent from a page left open too long comes back with
# everything typed; the form checks its own token.
@bp.route("/providers/<int:provider_id>/contact", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["RATELIMIT_INQUIRY"], methods=["POST"])
def contact(provider_id: int):
    """Write to a provider: the form, then the message stored for the owner, who is told by email (without it).

    The profile links here rather than holding the form, so that reading a profile sets no cookie.
    """
    provider = _contactable(provider_id)
    form = InquiryForm()
    if request.method != "POST":
        return render_template("listings/contact.html", provider=provider, form=form, token_expired=False)
    if form.validate():
        try:
            inquiry = submit_inquiry(provider_id, {**form.to_data(), "language": current_language()},
                                     request_links_by_language("listings.dashboard"))
        except ValidationFailed as error:
            form.attach_errors(error.errors)
        else:
            offer = offer_token_for(current_app.config["SECRET_KEY"], inquiry) if inquiry is not None else None
            db.session.commit()
            flash(_("Your message was sent. The provider will contact you the way you asked."))
            if offer is not None:
                return redirect(url_for("providers.follow_up_offer", token=offer, **kept_search()))
            return redirect(url_for("providers.profile", provider_id=provider_id, **kept_search()))
    return render_template("listings/contact.html", provider=provider, form=form,
                           token_expired="csrf_token" in form.errors), 400


@bp.post("/inquiries/<int:inquiry_id>/answered")
@login_required
def inquiry_answered(inquiry_id: int):
    """The owner marks an inquiry answered."""
    if not ActionForm().validate():
        abort(400)
    mark_answered(_user(), inquiry_id)
    db.session.commit()
    flash(_("Marked as answered."))
    return redirect(url_for(".dashboard"))
