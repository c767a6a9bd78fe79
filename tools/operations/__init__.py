"""The catalogue both fronts expose: every operation declared once, as data (``catalogue`` has the
declaration types), listed here by resource in the order tools are listed."""

from tools.operations import approvals, registries, repositories, tokens, vulnerabilities, watch
from tools.operations.catalogue import (
    AnyOperation,
    Flag,
    Follows,
    Kind,
    Operation,
    Resource,
    Services,
    SlackForm,
    catalogue_of,
)
from tools.operations.registry_inputs import (
    DEFAULT_GC_TIME,
    CreateInput,
    FollowRefInput,
    ListInput,
    NameInput,
    NoInput,
    RegistryRefInput,
    ReplaceInput,
    UpdateInput,
)

RESOURCES: tuple[Resource, ...] = (
    registries.RESOURCE,
    repositories.RESOURCE,
    vulnerabilities.RESOURCE,
    tokens.RESOURCE,
    watch.RESOURCE,
    approvals.RESOURCE,
)
CATALOGUE: dict[str, AnyOperation] = catalogue_of(
    registries.OPERATIONS,
    repositories.OPERATIONS,
    vulnerabilities.OPERATIONS,
    tokens.OPERATIONS,
    watch.OPERATIONS,
    approvals.OPERATIONS,
)
# The MCP toolsets, in order; an operation whose resource has no toolset comes with every one.
TOOLSETS: tuple[str, ...] = tuple(r.toolset for r in RESOURCES if r.toolset is not None)

__all__ = [
    "CATALOGUE",
    "DEFAULT_GC_TIME",
    "RESOURCES",
    "TOOLSETS",
    "AnyOperation",
    "CreateInput",
    "Flag",
    "FollowRefInput",
    "Follows",
    "Kind",
    "ListInput",
    "NameInput",
    "NoInput",
    "Operation",
    "RegistryRefInput",
    "ReplaceInput",
    "Resource",
    "Services",
    "SlackForm",
    "UpdateInput",
]
