"""Errors that carry a message a person can act on."""


class ValidationError(ValueError):
    """Input a person typed that cannot be used; ``message`` says why and how to fix it (in English,
    the console's words). ``code`` and ``values`` say the same for a front end that words it in its
    own language (the public site); a check without a code is worded by its field's general rule."""

    def __init__(
        self, message: str, field: str | None = None, code: str | None = None, values: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.values = values or {}


class PermissionDenied(PermissionError):
    """The signed-in agent's role does not allow the operation."""
