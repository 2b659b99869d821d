"""Reading webhook bodies with a size cap, so an oversized request is refused before it fills memory."""

from __future__ import annotations

from fastapi import Request


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is (or claims to be) larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
