"""Sign-in plumbing for views: the Flask-Login user loader, session start and end, the half-signed-in state
between password and code, the administrators' second-factor gate, role checks.

These helpers only gate pages; the authorization that matters is checked again in the services.
"""
import time
from functools import wraps

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..i18n import lazy_gettext as _l
from ..extensions import login_manager
from ..services.accounts import end_sessions, user_from_session_id

# The half-signed-in state: whose password was right, when, and where to go once the code is right.
SECOND_STEP_KEY = "second_step"
SET_UP_FIRST = _l("Administrators need two-step sign-in. Please set it up to continue.")
_CLOCK_SKEW_SECONDS = 60  # between the clocks of servers behind one address


def init_login(app) -> None:
    """Bind Flask-Login to the app: the user loader, the login page and its message, the admins' gate."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.localize_callback = str  # the lazy message, in the page's language, as the session can store it
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_send_admins_to_set_up)


@login_manager.user_loader
def _load_user(session_id: str):
    """The signed-in user for a session id "id:version"; a stale version means signed out."""
    return user_from_session_id(session_id)


def _is_admin_path(path: str) -> bool:
    return path == "/admin" or path.startswith("/admin/")


def _send_admins_to_set_up():
    """An administrator without the second factor sees no admin page: they are sent to set it up first."""
    if not _is_admin_path(request.path) or not current_user.is_authenticated:
        return None
    if current_user.must_set_up_second_factor:
        flash(str(SET_UP_FIRST), "info")
        return redirect(url_for("two_factor.setup"))
    return None


def start_session(user) -> None:
    """Sign a user in on a brand-new session (nothing from the anonymous session survives)."""
    session.clear()
    login_user(user)
    session.permanent = False


def begin_second_step(user, next_path: str | None) -> None:
    """The password was right and the account asks for a code: a fresh session that signs nobody in yet."""
    session.clear()
    session[SECOND_STEP_KEY] = {"user": user.get_id(), "at": int(time.time()), "next": next_path or ""}
    session.permanent = False


def second_step() -> tuple[object, str | None] | None:
    """The account waiting for its code and where to go next, or None when nothing waits or it took too long."""
    pending = session.get(SECOND_STEP_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    age = time.time() - pending["at"]
    if not -_CLOCK_SKEW_SECONDS <= age <= current_app.config["TWO_FACTOR_SIGN_IN_SECONDS"]:
        return None
    user = user_from_session_id(pending.get("user") if isinstance(pending.get("user"), str) else None)
    if user is None or not user.has_second_factor:
        return None
    return user, pending.get("next") or None


def end_session() -> None:
    """Sign out for real: old copies of this session cookie stop working too."""
    if current_user.is_authenticated:
        end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()


def role_required(*roles: str):
    """View decorator: the user must be signed in (else the login page) and hold one of the roles (else 403).

    The admin role counts only with the second factor set up.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            role = None if current_user.must_set_up_second_factor else current_user.role
            if roles and role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
