"""Two-step sign-in pages: the code after the password, setting it up (QR code drawn here), turning it off."""
import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..i18n import gettext as _, lazy_gettext as _l, ngettext
from ..extensions import db, limiter
from ..services import two_factor
from ..services.errors import Conflict, PermissionDenied, ValidationFailed
from .accounts import form_page, home_for, limit_posts, status_for
from .auth import SECOND_STEP_KEY, second_step, start_session
from .forms.accounts import ConfirmForm, SetUpCodeForm, SignInCodeForm, TurnOffTwoFactorForm

bp = Blueprint("two_factor", __name__)

TOO_SLOW = _l("Please log in again: the code did not come within a few minutes of the password.")


def _waiting_account_key() -> str:
    """Rate-limit key of the code form: the account waiting for its code (the address when none waits)."""
    waiting = second_step()
    return f"second-step:{waiting[0].id}" if waiting else (request.remote_addr or "")


def _qr_code(uri: str) -> str:
    """The otpauth URI as a QR code: an SVG data URI, drawn on the server (no script, no outside request)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


@bp.route("/login/code", methods=["GET", "POST"])
@limit_posts("RATELIMIT_TWO_FACTOR")
@limiter.limit(lambda: current_app.config["RATELIMIT_TWO_FACTOR"], key_func=_waiting_account_key, methods=["POST"])
def sign_in_code():
    """The second step of signing in: nobody is signed in until the code is right."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    waiting = second_step()
    if waiting is None:
        if session.pop(SECOND_STEP_KEY, None) is not None or request.method == "POST":
            flash(str(TOO_SLOW), "info")
        return redirect(url_for("accounts.login"))
    user, next_path = waiting
    form = SignInCodeForm()
    if form.validate_on_submit():
        try:
            kind = two_factor.check_code(user, form.code.data)
        except ValidationFailed as error:
            form.attach_errors(error.errors, "code")
        else:
            db.session.commit()
            start_session(user)
            if kind == "recovery":
                left = two_factor.recovery_codes_left(user)
                flash(ngettext("You signed in with a recovery code; it cannot be used again. You have %(num)d left.",
                               "You signed in with a recovery code; it cannot be used again. You have %(num)d left.",
                               left), "info")
            return redirect(next_path or home_for(user))
    return render_template("accounts/sign_in_code.html", form=form)


@bp.get("/account/two-factor")
@login_required
def setup():
    """Two-step sign-in: its state, the steps to set it up, or the form to turn it off."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        return _on_page(TurnOffTwoFactorForm())
    if not user.totp_secret:
        return render_template("accounts/two_factor_start.html", form=ConfirmForm())
    return _set_up_page(SetUpCodeForm())


def _set_up_page(form, status: int = 200):
    user = current_user._get_current_object()
    return render_template("accounts/two_factor_set_up.html", form=form, secret=two_factor.grouped(user.totp_secret),
                           qr_code=_qr_code(two_factor.setup_uri(user))), status


def _on_page(form, status: int = 200):
    user = current_user._get_current_object()
    return form_page("accounts/two_factor_on.html", status, form=form,
                     recovery_codes_left=two_factor.recovery_codes_left(user))


@bp.post("/account/two-factor/start")
@login_required
def start():
    """Make the secret to add to the authenticator app (kept until it is confirmed)."""
    if not ConfirmForm().validate_on_submit():
        flash(_("Your session had expired; please try again."), "error")
        return redirect(url_for(".setup"))
    try:
        two_factor.start_setup(current_user._get_current_object())
    except Conflict:
        return redirect(url_for(".setup"))
    db.session.commit()
    return redirect(url_for(".setup"))


@bp.post("/account/two-factor/confirm")
@login_required
@limit_posts("RATELIMIT_TWO_FACTOR")
def confirm():
    """Turn two-step sign-in on with the first code; the recovery codes are shown on this page only."""
    user = current_user._get_current_object()
    if user.has_second_factor or not user.totp_secret:
        return redirect(url_for(".setup"))
    form = SetUpCodeForm()
    if not form.validate_on_submit():
        return _set_up_page(form)
    try:
        codes = two_factor.confirm_setup(user, form.code.data)
    except ValidationFailed as error:
        form.attach_errors(error.errors, "code")
        return _set_up_page(form)
    db.session.commit()
    start_session(user)  # every other session ended; this one starts afresh with the factor passed
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.post("/account/two-factor/off")
@login_required
@limit_posts("RATELIMIT_TWO_FACTOR")
def turn_off():
    """Turn two-step sign-in off with the password and a code (not for administrators)."""
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for(".setup"))
    form = TurnOffTwoFactorForm()
    if not form.validate_on_submit():
        return _on_page(form)
    try:
        two_factor.turn_off(user, form.password.data, form.code.data)
    except PermissionDenied as error:
        flash(str(error.message), "error")
        return redirect(url_for(".setup"))
    except ValidationFailed as error:
        form.attach_errors(error.errors, "code")
        return _on_page(form, status_for(error))
    db.session.commit()
    flash(_("Two-step sign-in is off. Your password alone now signs you in."), "success")
    return redirect(url_for("accounts.account"))
