"""Whether this process can reach its database: the one check /healthz makes."""
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

log = logging.getLogger(__name__)


def database_answers() -> bool:
    """Whether the database runs `SELECT 1`; a failure is logged as a warning, with its kind only."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: the database did not answer (%s)", error.__class__.__name__)
        return False
    return True
