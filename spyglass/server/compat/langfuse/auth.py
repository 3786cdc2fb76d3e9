"""Langfuse API keys (HTTP Basic, public key : secret key) -> the Spyglass project they write to.

With `SPYGLASS_LANGFUSE_KEYS` set, only the listed pairs are accepted; without it any pair is
accepted and the public key names the project (a local, single-user setup).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac

from starlette.requests import Request

from spyglass.server.errors import Unauthorized

REALM = "langfuse"


@functools.lru_cache(maxsize=8)
def key_table(spec: str) -> dict[str, tuple[str, str]]:
    """`pk1:sk1=project-a, pk2:sk2=project-b` -> {public: (secret, project)}."""
    table: dict[str, tuple[str, str]] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        keys, sep, project = entry.rpartition("=")
        public, colon, secret = keys.partition(":")
        if not (sep and colon and public and secret and project.strip()):
            raise ValueError(f"SPYGLASS_LANGFUSE_KEYS entry {entry!r} is not public:secret=project")
        table[public] = (secret, project.strip())
    return table


def credentials(request: Request) -> tuple[str, str]:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not token:
        raise Unauthorized("send the Langfuse public and secret key as HTTP Basic auth", realm=REALM)
    try:
        public, colon, secret = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("the Basic auth token is not valid base64 of public_key:secret_key", realm=REALM) from None
    if not colon or not public:
        raise Unauthorized("the Basic auth token must be public_key:secret_key", realm=REALM)
    return public, secret


def project_for(request: Request, spec: str) -> str:
    """The project a request's Langfuse keys write to; 401 for unknown keys."""
    public, secret = credentials(request)
    table = key_table(spec)
    if not table:
        return public.strip()[:200]
    found = table.get(public)
    if found is None or not hmac.compare_digest(found[0].encode(), secret.encode()):
        raise Unauthorized("unknown Langfuse public key or wrong secret key", realm=REALM)
    return found[1]
