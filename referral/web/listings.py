"""Provider self-service pages: dashboard, new listing, claim, editor, history, availability, inquiries."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..database import takes_write_transaction
from ..extensions import db, limiter
from ..models import ProviderType
from ..services import availability as availability_service
from ..services.audit import listing_history
from ..services.errors import Conflict, PermissionDenied, ValidationFailed
from ..services.inquiries import accepts_inquiries, mark_answered, submit_inquiry
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

bp = Blueprint("listings", __name__)


@bp.app_context_processor
def _listing_helpers():
    """What the profile's contact partial needs on any page that renders it."""
    return {"new_inquiry_form": InquiryForm, "accepts_inquiries": accepts_inquiries}


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
    form.provider_type.choices = [SelectChoice("", "Choose…")] + [SelectChoice(t.slug, t.name)
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
                flash("Your listing was created and is waiting for review. Meanwhile, fill in the rest of it.")
                return redirect(url_for(".edit", provider_id=provider.id))
        status = 400
    return render_template("listings/new.html", form=form), status


@bp.route("/listings/claim", methods=["GET", "POST"])
@login_required
def claim():
    """Claim an existing listing by its NPI; an admin reviews the claim."""
    form = ClaimForm()
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
                flash(f"Your claim on the listing of {review.provider.name} is waiting for review. "
                      "Until it is approved the listing stays as it is.")
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
    flash("Your listing is waiting for review again.")
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
            try:
                update_listing(_user(), provider_id, form.to_changes(), form.submitted_version(), geocoder(),
                               photo=_uploaded_photo(form), remove_photo=bool(form.remove_photo.data))
            except StaleEdit as error:
                differences, status = error.differences, 409
                form.version.data = str(error.current_version)  # saving again now overwrites, knowingly
                provider = get_listing_for_edit(_user(), provider_id)
            except ValidationFailed as error:
                form.attach_errors(error.errors)
            else:
                db.session.commit()
                flash("Your listing is saved.")
                return redirect(url_for(".edit", provider_id=provider_id))
    form.add_spare_rows()
    return render_template("listings/edit.html", form=form, provider=provider, differences=differences,
                           status_text=LISTING_STATUS_TEXT), status


@bp.get("/listings/<int:provider_id>/history")
@login_required
def history(provider_id: int):
    """Every change to the listing: who, when, which fields, old and new values."""
    provider, entries = listing_history(_user(), provider_id)
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
    flash(f"Availability confirmed for {provider.name}. Thank you.")
    if request.form.get("next") == "edit":
        return redirect(url_for(".edit", provider_id=provider_id))
    return redirect(url_for(".dashboard"))


@bp.get("/availability/confirm/<token>")
@takes_write_transaction
def confirm_availability_link(token: str):
    """The signed link from a reminder email: confirms without logging in."""
    config = current_app.config
    try:
        provider = availability_service.confirm_by_token(config["SECRET_KEY"], token,
                                                         config["AVAILABILITY_CONFIRM_LINK_DAYS"])
    except ValidationFailed as error:
        return render_template("listings/confirmed.html", provider=None, error=error.message), 400
    db.session.commit()
    return render_template("listings/confirmed.html", provider=provider, error=None)


# --- inquiries ---------------------------------------------------------------------------------

@bp.post("/providers/<int:provider_id>/inquiry")
@limiter.limit(lambda: current_app.config["RATELIMIT_INQUIRY"])
def send_inquiry(provider_id: int):
    """The profile's contact form: stored for the owner, who is told by email (without its content)."""
    provider = get_public_provider(provider_id)
    form = InquiryForm()
    if form.validate():
        try:
            submit_inquiry(provider_id, form.to_data(), url_for(".dashboard", _external=True))
        except ValidationFailed as error:
            form.attach_errors(error.errors)
        else:
            db.session.commit()
            flash("Your message was sent. The provider will contact you the way you asked.")
            return redirect(url_for("providers.profile", provider_id=provider_id) + "#contact-form-heading")
    return render_template("providers/profile.html", provider=provider, place=None, distances={},
                           inquiry_form=form), 400


@bp.post("/inquiries/<int:inquiry_id>/answered")
@login_required
def inquiry_answered(inquiry_id: int):
    """The owner marks an inquiry answered."""
    if not ActionForm().validate():
        abort(400)
    mark_answered(_user(), inquiry_id)
    db.session.commit()
    flash("Marked as answered.")
    return redirect(url_for(".dashboard"))
