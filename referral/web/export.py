"""GET /admin/export.csv: the whole directory as CSV, for admins."""
from flask import Blueprint, Response, abort, current_app, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..models import utcnow
from ..services.errors import PermissionDenied
from ..streaming import stream_read_only
from ..services.export import directory_csv
from ..services.search import AvailabilityRules

bp = Blueprint("export", __name__)


@bp.get("/admin/export.csv")
def directory_export():
    """Every listing in any status, streamed; admins only (others get 403, visitors the login page)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    try:
        lines = directory_csv(
            current_user._get_current_object(), rules=AvailabilityRules.from_config(current_app.config),
            profile_url=lambda provider_id: url_for("providers.profile", provider_id=provider_id, _external=True),
        )
    except PermissionDenied:
        abort(403)
    response = Response(stream_read_only(lines), mimetype="text/csv")
    filename = f"directory-{utcnow():%Y-%m-%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
