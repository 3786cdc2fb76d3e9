"""The error hierarchy. Raise anywhere; `app.py` turns these into responses in one place."""

from __future__ import annotations

from typing import Any


class SpyglassError(Exception):
    status = 500

    def __init__(self, message: str, *, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class BadRequest(SpyglassError):
    status = 400


class Unauthorized(SpyglassError):
    status = 401

    def __init__(self, message: str, realm: str = "spyglass") -> None:
        super().__init__(message, headers={"WWW-Authenticate": f'Basic realm="{realm}"'})


class NotFound(SpyglassError):
    status = 404


class Conflict(SpyglassError):
    status = 409


class PayloadTooLarge(SpyglassError):
    status = 413


class UnsupportedMediaType(SpyglassError):
    status = 415


class Unprocessable(SpyglassError):
    status = 422


class Overloaded(SpyglassError):
    """The write queue is full: the client should retry after a pause."""

    status = 429

    def __init__(self, message: str = "write queue is full, retry later", retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class Unavailable(SpyglassError):
    status = 503

    def __init__(self, message: str, retry_after: int = 2) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
