"""Reading request bodies safely: content type, gzip/deflate, and a size limit on both sides."""

from __future__ import annotations

import zlib

from starlette.requests import Request

from spyglass.server.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType


async def read_body(request: Request, max_bytes: int, content_types: tuple[str, ...] = ("application/json",)) -> bytes:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type not in content_types:
        raise UnsupportedMediaType(f"content-type {content_type!r} is not accepted; send {' or '.join(content_types)}")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"body of {declared} bytes is over the limit of {max_bytes}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return decode(b"".join(chunks), request.headers.get("content-encoding", "identity"), max_bytes)


def decode(body: bytes, encoding: str, max_bytes: int) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise UnsupportedMediaType(f"content-encoding {encoding!r} is not supported; use gzip or deflate")
    # wbits: 16+ for a gzip header, 32+ to detect zlib or gzip.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else 32 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise BadRequest(f"body is not valid {encoding}: {exc}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"decompressed body is over the limit of {max_bytes} bytes")
    return out
