"""Command-line operations: flask seed, and the others later issues add."""
import click
from flask import Flask

from .extensions import db


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(seed_command)


@click.command("seed")
@click.option("--if-empty", is_flag=True, help="Load the demo directory only when no provider is listed yet.")
@click.option("--no-demo", is_flag=True, help="Load only the reference lists.")
def seed_command(if_empty: bool, no_demo: bool) -> None:
    """Load the reference lists and the demo directory (idempotent)."""
    from .services.reference import load_reference_data
    from .services.seeding import directory_is_empty, load_demo_providers

    counts = load_reference_data()
    click.echo("Reference lists: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    if no_demo or (if_empty and not directory_is_empty()):
        db.session.commit()
        click.echo("Demo directory: not loaded" + (" (directory already has providers)" if if_empty and not no_demo else ""))
        return
    added, skipped = load_demo_providers()
    db.session.commit()
    click.echo(f"Demo directory: {added} providers added, {skipped} already present")
