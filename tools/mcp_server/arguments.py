"""Tool arguments checked against the operation's input model before the SDK sees them.

The SDK would answer a bad argument with a pydantic dump (type names, a documentation URL);
a model acts better on one line per field (the field, the rule, what was given) and a next
step. The schema the client sees and this check come from the same model, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError, create_model

from tools.errors import InvalidInputError
from tools.mcp_server.derive import TOKEN_FIELD, Token
from tools.mcp_server.rendering import error_text
from tools.operations import AnyOperation


def argument_model(op: AnyOperation) -> type[BaseModel]:
    if not op.may_confirm:
        return op.input
    extra: Any = {TOKEN_FIELD: (Token, None)}
    return create_model(f"{op.input.__name__}Arguments", __base__=op.input, **extra)


class CheckArguments:
    """Server middleware: a ``tools/call`` whose arguments break a rule is answered here."""

    def __init__(self, operations: Iterable[AnyOperation]) -> None:
        self.operations = {op.name: op for op in operations}
        self.models: dict[str, type[BaseModel]] = {}  # built on a tool's first call: cold start stays short

    def model(self, name: str) -> type[BaseModel] | None:
        op = self.operations.get(name)
        if op is not None and name not in self.models:
            self.models[name] = argument_model(op)
        return self.models.get(name)

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params if ctx.method == "tools/call" else None
        model = self.model(str(params.get("name"))) if params else None
        if params is not None and model is not None:
            try:
                model.model_validate(params.get("arguments") or {})
            except ValidationError as exc:
                err = InvalidInputError.from_validation(exc)
                err.hint = f"Call {params['name']} again with the named arguments fixed."
                text = f"Error executing tool {params['name']}: {error_text(err)}"
                return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
        return await call_next(ctx)
