"""Account pages: register, confirm, log in and out, reset a password, change password and email.

A page whose password check found every password-check slot busy answers 429 with Retry-After, the
form kept as typed (passwords are never sent back).
"""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..extensions import db, limiter
from ..i18n import current_language, gettext as _
from ..services import accounts, two_factor
from ..services.errors import Conflict, ValidationFailed
from ..services.password_slots import RETRY_AFTER_SECONDS, PasswordChecksBusy
from .auth import SET_UP_FIRST, begin_second_step, end_session, start_session
from .forms.accounts import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)

bp = Blueprint("accounts", __name__)

# Where each role lands after signing in, first page that exists wins (others build those pages).
_HOME_PATHS = {"provider": ("/dashboard",), "admin": ("/admin", "/dashboard"), "referrer": ("/referrals", "/dashboard")}


def limit_posts(name: str):
    """A rate limit on POSTs, read from configuration when the request comes."""
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _path_exists(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:  # e.g. a trailing slash: the page exists
        return True
    except HTTPException:
        return False
    return True


def _safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after signing in, or None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user) -> str:
    """Where a user lands after signing in: the first page of their role that exists, else the account page."""
    for path in _HOME_PATHS.get(user.role, ()):
        if _path_exists(path):
            return request.script_root + path  # under /es the page stays in Spanish
    return url_for("accounts.account")


def status_for(error: ValidationFailed) -> int:
    """The status of a form page refused by a service: 429 when the password could not be checked yet."""
    return 429 if isinstance(error, PasswordChecksBusy) else 200


def form_page(template: str, status: int = 200, **context):
    """A form page; a 429 one says when to try again (Retry-After)."""
    response = make_response(render_template(template, **context), status)
    if status == 429:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.route("/register", methods=["GET", "POST"])
@limit_posts("RATELIMIT_REGISTER")
def register():
    """Create an account; known and unknown addresses end on the same "check your email" page."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.register(form.email.data, form.password.data, form.role.data, form.display_name.data,
                              language=current_language())
        except ValidationFailed as error:
            form.attach_errors(error.errors, "email")
            status = status_for(error)
        else:
            db.session.commit()
            return redirect(url_for("accounts.check_email"))
    return form_page("accounts/register.html", status, form=form)


@bp.get("/check-email")
def check_email():
    """The page after registering: look for our email."""
    return render_template("accounts/check_email.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Confirm an email address: the link shows a button, the button confirms (mail scanners only GET)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = accounts.confirm_email(token)
        except ValidationFailed as error:
            return render_template("accounts/bad_link.html", message=error.message, again=url_for("accounts.login")), 400
        except Conflict as error:
            return render_template("accounts/bad_link.html", message=error.message, again=url_for("accounts.account")), 409
        db.session.commit()
        flash(_("Thank you: %(email)s is confirmed.", email=user.email), "success")
        if current_user.is_authenticated:
            return redirect(url_for("accounts.account"))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limit_posts("RATELIMIT_LOGIN")
def login():
    """Sign in on a new session; an account with two-step sign-in is asked for its code before it is signed in."""
    next_path = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except ValidationFailed as error:
            db.session.commit()  # a renewed confirmation link may have been queued
            form.attach_errors(error.errors, "password")
            status = status_for(error)
        else:
            user.language = current_language()  # later emails follow the language the account is used in
            db.session.commit()  # a re-hashed password may have been stored
            if user.has_second_factor:
                begin_second_step(user, next_path)
                return redirect(url_for("two_factor.sign_in_code"))
            start_session(user)
            if user.must_set_up_second_factor:
                flash(str(SET_UP_FIRST), "info")
                return redirect(url_for("two_factor.setup"))
            return redirect(next_path or home_for(user))
    return form_page("accounts/login.html", status, form=form, next_path=next_path)


@bp.post("/logout")
def logout():
    """Sign out: the session ends here and its cookie stops working anywhere else."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Your session had expired; please try again."), "error")
        return redirect(url_for("main.home"))
    end_session()
    db.session.commit()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limit_posts("RATELIMIT_RESET")
def reset_request():
    """Ask for a password-reset link; the answer does not tell whether the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return redirect(url_for("accounts.reset_sent"))
    return render_template("accounts/reset_request.html", form=form)


@bp.get("/reset/sent")
def reset_sent():
    """The page after asking for a reset link."""
    return render_template("accounts/reset_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limit_posts("RATELIMIT_RESET")
def reset_password(token: str):
    """Choose a new password from a signed, single-use link."""
    try:
        accounts.user_for_reset(token)
    except ValidationFailed as error:
        return render_template("accounts/bad_link.html", message=error.message, again=url_for("accounts.reset_request")), 400
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ValidationFailed as error:
            if "token" in error.errors:
                return render_template("accounts/bad_link.html", message=error.message, again=url_for("accounts.reset_request")), 400
            form.attach_errors(error.errors, "password")
            status = status_for(error)
        else:
            db.session.commit()
            logout_user()  # whoever was signed in here; every session of this account is already void
            session.clear()
            flash(_("Your password is changed. Please log in with it."), "success")
            return redirect(url_for("accounts.login"))
    return form_page("accounts/reset_password.html", status, form=form)


@bp.get("/account")
@login_required
def account():
    """The account page: address, role, and the forms to change password and email."""
    return _account_page(ChangePasswordForm(prefix="pw"), ChangeEmailForm(prefix="em"))


def _account_page(password_form, email_form, status: int = 200):
    user = current_user._get_current_object()
    return form_page("accounts/account.html", status, password_form=password_form, email_form=email_form,
                     role_name=accounts.ROLE_NAMES.get(user.role, user.role),
                     recovery_codes_left=two_factor.recovery_codes_left(user) if user.has_second_factor else None)


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; other sessions end, this one carries on."""
    form = ChangePasswordForm(prefix="pw")
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        except ValidationFailed as error:
            form.attach_errors(error.errors, "new_password")
            status = status_for(error)
        else:
            db.session.commit()
            start_session(user)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(form, ChangeEmailForm(prefix="em"), status)


@bp.post("/account/email")
@login_required
def change_email():
    """Ask to move the account to another address; it changes once the link sent there is opened."""
    form = ChangeEmailForm(prefix="em")
    status = 200
    if form.validate_on_submit():
        try:
            accounts.request_email_change(current_user._get_current_object(), form.password.data, form.new_email.data)
        except ValidationFailed as error:
            form.attach_errors(error.errors, "new_email")
            status = status_for(error)
        else:
            db.session.commit()
            flash(_("We have sent a link to the new address. Your email changes when you open it."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(ChangePasswordForm(prefix="pw"), form, status)
