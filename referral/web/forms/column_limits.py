"""Length validators taken from the column a field is stored in: a form never takes more than the column holds."""
from wtforms.validators import Length

from ...i18n import lazy_gettext as _l


def within(column) -> Length:
    """At most the String column's length, said as the forms say it (WTForms also sets the field's maxlength)."""
    length = column.type.length
    return Length(max=length, message=_l("Use at most %(most)s characters.", most=length))
