"""Errors that carry a message a person can act on."""


class ValidationError(ValueError):
    """Input a person typed that cannot be used; ``message`` says why and how to fix it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(PermissionError):
    """The signed-in agent's role does not allow the operation."""
