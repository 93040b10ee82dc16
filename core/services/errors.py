"""Domain errors raised by services; pages and the CLI turn them into messages."""


class PeopleOSError(Exception):
    """Base class of every error a user may see."""


class NotFoundError(PeopleOSError):
    """The object does not exist, or belongs to another company."""


class ValidationError(PeopleOSError):
    """Input was rejected; nothing was changed."""


class PermissionDeniedError(PeopleOSError):
    """The acting user's role does not allow this action."""


class LoginBlockedError(PeopleOSError):
    """Too many failed logins: the account or the client is locked for a while."""

    def __init__(self, message: str, retry_after_seconds: int = 60) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
