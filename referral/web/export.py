"""GET /admin/export.csv: the whole directory as CSV, for admins (bom=true adds a byte-order mark for Excel)."""
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from ..i18n import gettext as _
from ..extensions import login_manager
from ..models import utcnow
from ..services.errors import PermissionDenied, ValidationFailed
from ..streaming import stream_read_only
from ..services.export import CSV_MEDIA_TYPE, directory_csv, wants_bom
from ..services.search import AvailabilityRules

bp = Blueprint("export", __name__)


@bp.get("/admin/export.csv")
def directory_export():
    """Every listing in any status, streamed; admins only (others get 403, visitors the login page)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    try:
        bom = wants_bom(request.args)
    except ValidationFailed as error:
        return render_template("errors/error.html", status=400, message=_("That export could not be made."),
                               detail=error.message), 400
    try:
        lines = directory_csv(
            current_user._get_current_object(), rules=AvailabilityRules.from_config(current_app.config), bom=bom,
            profile_url=lambda provider_id: url_for("providers.profile", provider_id=provider_id, _external=True),
        )
    except PermissionDenied:
        abort(403)
    response = Response(stream_read_only(lines), content_type=CSV_MEDIA_TYPE)
    filename = f"directory-{utcnow():%Y-%m-%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
