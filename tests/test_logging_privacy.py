"""Request log lines never carry the search's query string."""
import logging

from referral.logging_setup import DropQueryStrings


def test_query_strings_are_removed_from_request_log_lines():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", "GET /search?near=10025&condition=ptsd HTTP/1.1", "200", "-"), None)
    DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "10025" not in line and "ptsd" not in line
    assert "GET /search?… HTTP/1.1" in line


def test_the_filter_is_installed_on_the_werkzeug_logger(app):
    assert any(isinstance(f, DropQueryStrings) for f in logging.getLogger("werkzeug").filters)
