"""Run `flask import-nppes` on one file in this fresh process and print, as JSON, its exit code, its output and how
far resident memory rose above what the ready app held (here, and in the import's file-reading child).
Not a test module: tests/test_nppes_bad_files.py runs it.

    python tests/nppes_import_probe.py DATABASE_URL FILE REPORT
"""
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(url: str, path: str, report: str) -> dict:
    """Set the database up, import the file through the command, and measure."""
    import tqdm  # noqa: F401  (loaded by the command: loaded here, before the baseline)

    import referral.services.nppes  # noqa: F401
    from config import TestingConfig
    from referral import create_app
    from referral.extensions import db
    from referral.services.geocoding import zip_index
    from referral.services.reference import load_reference_data

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        zip_index()  # the offline geocoder's ZIP table, loaded once per process
    ready_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = app.test_cli_runner().invoke(args=["import-nppes", path, "--report", report])
    with app.app_context():
        db.engine.dispose()
    own_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the forked reader starts as a copy of this process
    return {
        "exit_code": result.exit_code,
        "output": result.output,
        "rise_mb": max(own_kb, child_kb, ready_kb) / 1024 - ready_kb / 1024,
        "exception": repr(result.exception) if result.exception and not isinstance(result.exception, SystemExit) else None,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
