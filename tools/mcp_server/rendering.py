"""How results and failures reach the model: structured output plus compact text; actionable errors."""

from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError

from tools.confirm import ConfirmationError, ConfirmResult
from tools.errors import InvalidInputError, RegistryError


def result(value: BaseModel, lines: list[str]) -> CallToolResult:
    """Structured output plus a compact text rendering of the same thing."""
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join(lines))],
        structured_content=value.model_dump(mode="json", by_alias=True),
    )


def confirm_result(outcome: ConfirmResult) -> CallToolResult:
    lines = [outcome.message]
    if outcome.preview is not None:
        lines += outcome.preview.lines()
    if outcome.confirmation_token:
        lines.append(f"confirmation_token: {outcome.confirmation_token} (single use, until {outcome.expires_at})")
    if outcome.registry is not None and outcome.preview is None:
        lines += outcome.registry.lines()
    return result(outcome, lines)


def tool_error(err: Exception) -> ToolError:
    """An actionable message: what failed, the IONOS code and message, what to do next.

    The SDK prefixes it with "Error executing tool <name>:".
    """
    if isinstance(err, ValidationError):
        err = InvalidInputError.from_validation(err)
    assert isinstance(err, RegistryError)
    text = str(err)
    if isinstance(err, ConfirmationError) and err.current is not None:
        text += "\n" + "\n".join(err.current.lines())
    if err.hint:
        text += f"\nNext: {err.hint}"
    return ToolError(text)


async def shown(work: Callable[[], Awaitable[Any]]) -> CallToolResult:
    """Run a core call and show its view (any output model with ``lines()``) as the tool result."""

    async def run() -> CallToolResult:
        out = await work()
        return result(out, out.lines())

    return await guarded(run)


async def guarded(call: Callable[[], Awaitable[CallToolResult]]) -> CallToolResult:
    """Run a tool body; every core failure becomes a ToolError the model can act on."""
    try:
        return await call()
    except (RegistryError, ValidationError) as err:
        raise tool_error(err) from None
