"""What every sub-client shares: input checks before any request, decoding, offset/limit paging."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field, ValidationError

from tools.client._http import ApiHttp
from tools.errors import ApiError, InvalidInputError, RegistryError
from tools.models import InputModel, OffsetLinks, Page, check_registry_id, decode, next_offset

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
C = TypeVar("C")
P = TypeVar("P")
T_co = TypeVar("T_co", covariant=True)


def validated(model: type[M], value: M | Mapping[str, Any], prefix: str = "") -> M:
    """Return ``value`` as ``model``; a ``ValidationError`` becomes ``InvalidInputError``."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise InvalidInputError.from_validation(exc, prefix) from None


def checked(field: str, value: str, check: Callable[[str], str]) -> str:
    try:
        return check(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError.for_field(field, str(exc)) from None


def registry_id(value: str) -> str:
    return checked("registry_id", value, check_registry_id)


def segment(value: str) -> str:
    """A path segment: ``team/app`` must travel as ``team%2Fapp``."""
    return quote(value, safe="")


def decoded(kind: type[T], response: httpx.Response, action: str) -> T:
    try:
        return decode(kind, response.content)
    except (ValidationError, ValueError):
        raise ApiError(
            f"{action}: the API answered HTTP {response.status_code} with a body this client cannot read",
            status=response.status_code,
        ) from None


class OffsetQuery(InputModel):
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


def paging(offset: int, limit: int) -> dict[str, str | int]:
    query = validated(OffsetQuery, {"offset": offset, "limit": limit})
    return {"offset": query.offset, "limit": query.limit}


async def pages(
    fetch: Callable[[C], Awaitable[P]], first: C, after: Callable[[P], C | None]
) -> AsyncGenerator[P, None]:
    """Page after page, lazily: the next page is requested while this one is consumed, never further
    ahead. A cursor seen before ends the walk (an API that hands back an earlier page would loop)."""
    seen: set[C] = set()
    pending = asyncio.ensure_future(fetch(first))
    try:
        while True:
            page = await pending
            cursor = after(page)
            if cursor is not None and cursor not in seen:
                seen.add(cursor)
                pending = asyncio.ensure_future(fetch(cursor))
            else:
                cursor = None
            yield page
            if cursor is None:
                return
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, RegistryError):
                await pending


async def every(fetch: Callable[[int], Awaitable[Page[T]]]) -> AsyncGenerator[T, None]:
    """Every item of an offset/limit list, page after page (``pages``)."""
    async for page in pages(fetch, 0, lambda page: page.next_offset):
        for item in page.items:
            yield item


class Listed(Protocol[T_co]):
    """What every offset/limit list answer has (``TokensResponse`` adds ``total``)."""

    @property
    def items(self) -> Sequence[T_co] | None: ...
    @property
    def links(self) -> OffsetLinks | None: ...


class SubClient:
    """One resource's calls, over the parent client's HTTP session."""

    def __init__(self, http: ApiHttp) -> None:
        self._http = http

    async def _one(self, kind: type[T], method: str, path: str, action: str, json: Any = None) -> T:
        """One call whose answer is one object of ``kind``."""
        return decoded(kind, await self._http.request(method, path, json=json, action=action), action)

    async def _page(self, kind: type[Listed[T]], path: str, params: dict[str, str | int], action: str) -> Page[T]:
        """GET one page of an offset/limit list (``params`` holds offset and limit)."""
        body = decoded(kind, await self._http.request("GET", path, params=params, action=action), action)
        items = list(body.items or [])
        total = getattr(body, "total", None)
        offset, limit = int(params["offset"]), int(params["limit"])
        return Page(items, next_offset(offset, limit, len(items), body.links, total), total)
