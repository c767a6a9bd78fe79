"""How results and failures reach the model: structured output plus compact text; actionable errors."""

from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError

from tools.errors import ConfirmationError, InvalidInputError, RegistryError


def result(value: BaseModel, lines: list[str]) -> CallToolResult:
    """Structured output plus a compact text rendering of the same thing."""
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join(lines))],
        structured_content=value.model_dump(mode="json", by_alias=True),
    )


def error_text(err: Exception) -> str:
    """One line per problem, then ``Next:`` with what to do; no pydantic dump, no URL."""
    if isinstance(err, ValidationError):
        err = InvalidInputError.from_validation(err)
    if not isinstance(err, RegistryError):
        return "Something went wrong on our side; it has been logged."
    if isinstance(err, InvalidInputError) and err.fields:
        text = "\n".join(["Invalid arguments:", *err.lines()])
        if err.detail():
            text += f"\nIONOS said: {err.detail()}"
    else:
        text = str(err)
    current = err.current if isinstance(err, ConfirmationError) else None
    if current is not None and hasattr(current, "lines"):
        text += "\n" + "\n".join(current.lines())
    if err.hint:
        text += f"\nNext: {err.hint}"
    return text


def tool_error(err: Exception) -> ToolError:
    """The SDK prefixes the message with "Error executing tool <name>:"."""
    return ToolError(error_text(err))


def error_result(err: Exception) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=error_text(err))], is_error=True)


async def guarded(call: Callable[[], Awaitable[CallToolResult]]) -> CallToolResult:
    """Run a tool body; every core failure becomes a ToolError the model can act on."""
    try:
        return await call()
    except (RegistryError, ValidationError) as err:
        raise tool_error(err) from None


def lines_of(value: Any) -> list[str]:
    return list(value.lines()) if hasattr(value, "lines") else [str(value)]
