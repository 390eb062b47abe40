"""Domain errors raised by services; web, API and CLI turn them into messages and statuses."""


class DomainError(Exception):
    """Base class for errors a service raises on purpose."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to this user)."""


class PermissionDenied(DomainError):
    """The acting user may not do this."""


class Conflict(DomainError):
    """The change clashes with the current state (a stale edit, an illegal transition)."""


class ValidationFailed(DomainError):
    """Input was refused; `errors` maps each offending field or parameter to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        first = next(iter(self.errors.items()), ("", "invalid input"))
        super().__init__(first[1])
        self.parameter = first[0]
