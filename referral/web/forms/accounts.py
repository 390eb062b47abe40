"""Forms for registration, sign-in (with its code step), password reset, the account page and two-step sign-in.

Only the shape of the input is checked here; the rules (length, format, uniqueness) live in
services/accounts.py, whose ValidationFailed errors the views attach next to the fields.
"""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ...i18n import lazy_gettext as _l
from ...services.accounts import MIN_PASSWORD_LENGTH

_PASSWORD_HINT = _l("At least %(num)d characters, not easy to guess and not built from your email address or name. "
                    "A few unrelated words make a good one.", num=MIN_PASSWORD_LENGTH)


class ServiceErrorsMixin:
    """Attach a service's ValidationFailed errors to the fields they name."""

    def attach_errors(self, errors: dict[str, str], fallback: str) -> None:
        """Show each error next to its field (unknown names go to the fallback field)."""
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is None or not hasattr(field, "errors"):
                field = getattr(self, fallback)
            field.errors = list(field.errors or []) + [message]


class LoginForm(ServiceErrorsMixin, FlaskForm):
    """Sign in with email and password."""

    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})


class RegisterForm(ServiceErrorsMixin, FlaskForm):
    """Create an account as a provider or a referring clinician."""

    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice("provider", _l("A clinician who wants to list my practice")),
            SelectChoice("referrer", _l("A referring clinician (I send patients to others)")),
        ],
        default="provider",
        validators=[InputRequired(_l("Choose one."))],
    )
    display_name = StringField(_l("Your name"), validators=[Length(max=120)], render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Password"), description=_PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password."))],
                             render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH})
    confirm = PasswordField(_l("Password again"), validators=[DataRequired(_l("Type the password again.")),
                                                          EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ResetRequestForm(ServiceErrorsMixin, FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(ServiceErrorsMixin, FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField(_l("New password"), description=_PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password."))],
                             render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH})
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(_l("Type the password again.")),
                                                              EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(ServiceErrorsMixin, FlaskForm):
    """Change the password, knowing the current one."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), description=_PASSWORD_HINT,
                                 validators=[DataRequired(_l("Choose a new password."))],
                                 render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH})
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(_l("Type the new password again.")),
                                                              EqualTo("new_password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangeEmailForm(ServiceErrorsMixin, FlaskForm):
    """Move the account to another email address (confirmed by a link sent there)."""

    new_email = EmailField(_l("New email address"), validators=[DataRequired(_l("Enter the new address.")), Length(max=254)],
                           render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))],
                             render_kw={"autocomplete": "current-password"})


class SignInCodeForm(ServiceErrorsMixin, FlaskForm):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), description=_l("The 6-digit code your authenticator app shows now, or one of your "
                                              "recovery codes."),
                       validators=[DataRequired(_l("Enter the code from your app, or a recovery code.")), Length(max=64)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})


class SetUpCodeForm(ServiceErrorsMixin, FlaskForm):
    """Confirm two-step sign-in with the first code the app shows."""

    code = StringField(_l("Code from your app"), description=_l("6 digits; the app shows a new one every 30 seconds."),
                       validators=[DataRequired(_l("Enter the 6-digit code from your app.")), Length(max=64)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TurnOffTwoFactorForm(ServiceErrorsMixin, FlaskForm):
    """Turn two-step sign-in off, with the password and a code."""

    password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Code from your app, or a recovery code"),
                       validators=[DataRequired(_l("Enter the code from your app, or a recovery code.")), Length(max=64)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})


class ConfirmForm(FlaskForm):
    """A button that carries only the CSRF token (confirm an address, log out, start setting up two-step sign-in)."""
