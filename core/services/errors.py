"""Domain errors raised by services; pages and the CLI turn them into messages."""


class PeopleOSError(Exception):
    """Base class of every error a user may see."""


class NotFoundError(PeopleOSError):
    """The object does not exist, or belongs to another company."""


class ValidationError(PeopleOSError):
    """Input was rejected; nothing was changed."""
