"""Errors that carry their HTTP status; one handler in app.py renders them in Vapi's shape."""

from http import HTTPStatus

INVALID_KEY = (
    "Invalid Key. Hot tip, you may be using the private key instead of the public key, "
    "or vice versa."
)


class VoxgateError(Exception):
    status_code: int = 500

    def __init__(self, message: str | list[str], headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {
            "message": self.message,
            "error": HTTPStatus(self.status_code).phrase,
            "statusCode": self.status_code,
        }


class BadRequest(VoxgateError):
    status_code = 400


class Unauthorized(VoxgateError):
    status_code = 401

    def __init__(self, message: str = INVALID_KEY) -> None:
        super().__init__(message)


class Forbidden(VoxgateError):
    status_code = 403


class NotFound(VoxgateError):
    status_code = 404


class BadGateway(VoxgateError):
    """A vendor this server relies on (an assistant's model) failed."""

    status_code = 502


class Conflict(VoxgateError):
    """The request repeats one already carried out (a carrier's webhook replayed)."""

    status_code = 409


class PayloadTooLarge(VoxgateError):
    status_code = 413

    def body(self) -> dict[str, object]:
        # NestJS's wording (PayloadTooLargeException), the same on every Python version.
        return {**super().body(), "error": "Payload Too Large"}


class TooManyRequests(VoxgateError):
    """A limit was reached (the org's concurrent calls, the key's request rate). Vapi's SDKs
    retry a 429, honouring Retry-After: nothing was done, so a retry is harmless."""

    status_code = 429


class ServiceUnavailable(VoxgateError):
    """This process is shutting down, or its database is unreachable: retry (another server, or
    this one a moment later, will take the request)."""

    status_code = 503
