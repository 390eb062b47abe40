"""Command-line operations: flask seed, and the others later issues add.

The batch commands (expire-referrals, send-reminders, send-follow-ups, notify-unanswered, send-alerts, send-outbox,
purge) work one row at a time: a row that
fails is undone and named on stderr by its kind and id, the others go on, and the command then exits with 1.
"""
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db


def _end_with_failures(failures) -> None:
    """Name each row that failed on stderr; exit with 1 if there was one (after the others were done)."""
    for failure in failures:
        click.echo(f"{failure}; the other rows went on.", err=True)
    if failures:
        sys.exit(1)


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    for command in (seed_command, import_nppes_command, expire_referrals_command, send_reminders_command,
                    purge_command, create_admin_command, send_outbox_command, send_follow_ups_command,
                    notify_unanswered_command, send_alerts_command):
        app.cli.add_command(command)


@click.command("seed")
@click.option("--if-empty", is_flag=True, help="Load the demo directory only when no provider is listed yet.")
@click.option("--no-demo", is_flag=True, help="Load only the reference lists.")
@with_appcontext
def seed_command(if_empty: bool, no_demo: bool) -> None:
    """Load the reference lists and the demo directory (idempotent)."""
    from .database import refresh_planner_statistics
    from .services.reference import load_reference_data
    from .services.seeding import directory_is_empty, load_demo_providers

    counts = load_reference_data()
    click.echo("Reference lists: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    if no_demo or (if_empty and not directory_is_empty()):
        db.session.commit()
        click.echo("Demo directory: not loaded" + (" (directory already has providers)" if if_empty and not no_demo else ""))
        return
    added, skipped = load_demo_providers()
    if added:
        refresh_planner_statistics(db.session.connection())
    db.session.commit()
    click.echo(f"Demo directory: {added} providers added, {skipped} already present")


@click.command("create-admin")
@click.argument("email")
@click.password_option("--password", help="For scripts; without it you are asked twice.",
                       confirmation_prompt="Repeat the password")
@with_appcontext
def create_admin_command(email: str, password: str) -> None:
    """Make a confirmed administrator account."""
    from .services.accounts import create_admin
    from .services.errors import Conflict, ValidationFailed

    try:
        user = create_admin(email, password)
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Admin account created: {user.email}. At the first log-in it sets up two-step sign-in; "
               "the admin pages open after that.")


@click.command("send-outbox")
@click.option("--max-attempts", type=int, default=None, help="Give up on a message after this many failures (default: MAIL_MAX_ATTEMPTS).")
@with_appcontext
def send_outbox_command(max_attempts: int | None) -> None:
    """Deliver queued email once (console in development, SMTP otherwise); meant for cron or a loop."""
    from flask import current_app

    from .services.mail import deliver_outbox, transport_from_config

    transport = transport_from_config(current_app.config)
    if transport is None:
        raise click.ClickException("No mail transport: set SMTP_HOST (and SMTP_*), or MAIL_TO_CONSOLE=1 for development.")
    report = deliver_outbox(transport, max_attempts=max_attempts or current_app.config["MAIL_MAX_ATTEMPTS"])
    click.echo(f"Outbox: {report.sent} sent, {report.failed} failed (will retry), {report.gave_up} given up")
    _end_with_failures(report.errors)


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Email owners whose availability confirmation is older than AVAILABILITY_REMINDER_DAYS (run daily)."""
    from flask import current_app

    from .services.availability import send_reminders

    config = current_app.config
    report = send_reminders(config["SECRET_KEY"], config["PUBLIC_BASE_URL"], config["AVAILABILITY_REMINDER_DAYS"],
                            config["AVAILABILITY_STALE_DAYS"])
    db.session.commit()
    click.echo(f"Availability reminders queued: {report.done}")
    _end_with_failures(report.failures)


@click.command("send-follow-ups")
@with_appcontext
def send_follow_ups_command() -> None:
    """Ask visitors who left an address whether the clinician got back to them, once due (run daily)."""
    from flask import current_app

    from .services.follow_ups import send_due_follow_ups

    report = send_due_follow_ups(current_app.config["SECRET_KEY"], current_app.config["PUBLIC_BASE_URL"])
    db.session.commit()
    click.echo(f"Follow-up questions queued: {report.done}")
    _end_with_failures(report.failures)


@click.command("notify-unanswered")
@with_appcontext
def notify_unanswered_command() -> None:
    """Email owners whose listings leave messages unanswered, at most weekly each (run daily)."""
    from flask import current_app

    from .i18n import links_by_language
    from .services.responsiveness import notify_not_answering

    report = notify_not_answering(links_by_language(current_app.config["PUBLIC_BASE_URL"], "/dashboard"))
    db.session.commit()
    click.echo(f"Owners told of unanswered messages: {report.done}")
    _end_with_failures(report.failures)


@click.command("send-alerts")
@with_appcontext
def send_alerts_command() -> None:
    """Email confirmed search alerts whose searches have clinicians newly accepting, at most weekly each (run daily)."""
    from flask import current_app

    from .services.alerts import send_alerts
    from .services.search import AvailabilityRules
    from .services.search_params import SearchLimits

    config = current_app.config
    report = send_alerts(config["SECRET_KEY"], config["PUBLIC_BASE_URL"], geocoder=current_app.extensions["geocoder"],
                         limits=SearchLimits.from_config(config), rules=AvailabilityRules.from_config(config))
    db.session.commit()
    click.echo(f"Search alerts mailed: {report.done}")
    _end_with_failures(report.failures)


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Erase data past its retention period (inquiries after INQUIRY_RETENTION_DAYS, referrals' patient details
    REFERRAL_ERASE_AFTER_DAYS after their last activity, follow-up addresses after FOLLOW_UP_ERASE_DAYS, search
    alerts unconfirmed or expired, ...)."""
    from flask import current_app

    from .services.retention import purge_expired

    reports = purge_expired(current_app.config)
    db.session.commit()
    click.echo("Purged: " + (", ".join(f"{name} {report.done}" for name, report in reports.items()) or "nothing to do"))
    _end_with_failures([failure for report in reports.values() for failure in report.failures])


@click.command("expire-referrals")
@with_appcontext
def expire_referrals_command() -> None:
    """Expire referral copies unanswered for REFERRAL_EXPIRY_DAYS and email their referrers (meant for a daily cron)."""
    from .services.referrals import expire_overdue

    report = expire_overdue()
    db.session.commit()
    click.echo(f"Referrals: {report.done} expired")
    _end_with_failures(report.failures)


@click.command("import-nppes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read and check everything and say what would change; write nothing.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=2000, show_default=True,
              help="Listings written and committed together.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of rejected rows (line, NPI, reason). Default: instance/nppes-rejected-<time>.csv, "
                   "written only when a row is rejected.")
@with_appcontext
def import_nppes_command(path: Path, dry_run: bool, batch_size: int, report_path: Path | None) -> None:
    """Import NPPES (npidata_pfile_*.csv, the CMS .zip, or NPI Registry API JSON) as unclaimed listings."""
    import sys
    from datetime import datetime, timezone

    from flask import current_app
    from tqdm import tqdm

    from .services.errors import ValidationFailed
    from .services.geocoding import OfflineGeocoder
    from .services.nppes import NppesImport, RejectReport, summary_line

    if report_path is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        report = RejectReport(Path(current_app.instance_path) / f"nppes-rejected-{stamp}.csv")
    else:
        report = RejectReport(report_path, always=True)
    # The bar counts bytes (so it knows the time left); the rows go in its postfix. Off when not a terminal.
    bar = tqdm(desc="NPPES", unit="B", unit_scale=True, unit_divisor=1024, disable=None, file=sys.stderr,
               dynamic_ncols=True, smoothing=0.1)

    def show_progress(stats, bytes_read: int, total_bytes: int | None) -> None:
        if total_bytes and bar.total != total_bytes:
            bar.total = total_bytes
        bar.update(bytes_read - bar.n)
        bar.set_postfix_str(f"{stats.rows_read:,} rows read, {stats.kept:,} kept, {stats.rows_per_second:,.0f} rows/s",
                            refresh=False)

    # Always the offline ZIP table: a configured network geocoder would be asked about every unknown ZIP.
    job = NppesImport(path, geocoder=OfflineGeocoder(), batch_size=batch_size, dry_run=dry_run,
                      commit=db.session.commit, report=report, on_progress=show_progress)
    try:
        stats = job.run()
    except ValidationFailed as error:
        raise click.ClickException(error.message) from None
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"Interrupted after {job.stats.rows_read:,} rows: the {job.stats.batches_committed} batches "
                   "committed so far are kept. Run the same command again to finish; rows already imported "
                   "are skipped.", err=True)
        sys.exit(130)
    finally:
        bar.close()
        report.close()
    if stats.truncated_at is not None:
        click.echo(f"The file is truncated: it ends mid-row at {stats.unit} {stats.truncated_at:,}. "
                   "Every whole row before it was imported.", err=True)
    for note in stats.notes:
        click.echo(note, err=True)
    click.echo(summary_line(stats, dry_run=dry_run))
    if not dry_run and (stats.written.added or stats.written.updated):
        from .database import refresh_planner_statistics

        refresh_planner_statistics(db.session.connection())
        db.session.commit()
    if report.written:
        click.echo(f"Rejected rows ({stats.rejected:,}) and warnings ({stats.warnings:,}): {report.path}")
    if stats.rejected:
        sys.exit(1)
