"""The catalogue both fronts expose: every operation declared once (see ``catalogue``), by resource."""

from tools.operations.catalogue import CATALOGUE, Core, Flag, Follows, Kind, Operation, SlackForm
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
from tools.people import Caller

# Importing a resource's module declares its operations (in this order: tools are listed so).
from tools.operations import registries, repositories, vulnerabilities, tokens, watch, approvals  # isort: skip

__all__ = [
    "CATALOGUE",
    "DEFAULT_GC_TIME",
    "Caller",
    "Core",
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
    "SlackForm",
    "UpdateInput",
    "approvals",
    "registries",
    "repositories",
    "tokens",
    "vulnerabilities",
    "watch",
]
