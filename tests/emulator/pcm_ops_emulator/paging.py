"""MaxResults/NextToken paging with AWS's limits and errors."""

from __future__ import annotations

import base64
from typing import Any, TypeVar

from moto.core.exceptions import ServiceException

T = TypeVar("T")


class ValidationException(ServiceException):
    code = "ValidationException"


class InvalidNextToken(ServiceException):
    code = "InvalidNextToken"
    message = "The specified token isn't valid."


def page_size(requested: Any, bounds: tuple[int, int], default: int) -> int:
    """AWS rejects a MaxResults outside the model's range rather than clamping it."""
    if requested is None:
        return default
    low, high = bounds
    size = int(requested)
    if size < low or size > high:
        raise ValidationException(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value between {low} and {high}"
        )
    return size


def take_page(items: list[T], size: int, token: str | None) -> tuple[list[T], str | None]:
    start = _decode(token) if token else 0
    end = start + size
    return items[start:end], (_encode(end) if end < len(items) else None)


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"pcm:{offset}".encode()).decode()


def _decode(token: str) -> int:
    try:
        prefix, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if prefix != "pcm":
            raise ValueError(prefix)
        return int(offset)
    except ValueError as error:
        raise InvalidNextToken() from error
