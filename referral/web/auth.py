"""Sign-in plumbing for views: the Flask-Login user loader, session start and end, role checks.

These helpers only gate pages; the authorization that matters is checked again in the services.
"""
from functools import wraps

from flask import abort, session
from flask_login import current_user, login_user, logout_user

from ..extensions import login_manager
from ..services.accounts import end_sessions, user_from_session_id


def init_login(app) -> None:
    """Bind Flask-Login to the app: the user loader, the login page and its message."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str):
    """The signed-in user for a session id "id:version"; a stale version means signed out."""
    return user_from_session_id(session_id)


def start_session(user) -> None:
    """Sign a user in on a brand-new session (nothing from the anonymous session survives)."""
    session.clear()
    login_user(user)
    session.permanent = False


def end_session() -> None:
    """Sign out for real: old copies of this session cookie stop working too."""
    if current_user.is_authenticated:
        end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()


def role_required(*roles: str):
    """View decorator: the user must be signed in (else the login page) and hold one of the roles (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
