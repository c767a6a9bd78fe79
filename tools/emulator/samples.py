"""Deterministic sample registries for ``--seed N`` (the same N always gives the same data)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

LOCATIONS = ("de/fra", "de/txl", "es/vit", "fr/par", "gb/lhr", "gb/bhx", "us/ewr", "us/las", "us/mci")

CURATED = (
    "prod-images",
    "staging-images",
    "ci-cache",
    "ml-models",
    "web-frontend",
    "payments-api",
    "data-pipeline",
    "edge-proxy",
    "mobile-builds",
    "security-tools",
    "analytics",
    "sandbox",
)
OWNERS = ("ops@example.com", "platform@example.com", "ci-bot@example.com", "alice@example.com")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def sample_name(index: int) -> str:
    return CURATED[index] if index < len(CURATED) else f"registry-{index:05d}"


def sample_registries(count: int, now: datetime) -> list[dict[str, Any]]:
    """``count`` registries, all Running, created during the last year."""
    rng = random.Random(count)  # noqa: S311 - sample data, not security
    out = []
    for index in range(count):
        created = now - timedelta(days=rng.randint(30, 365), seconds=rng.randint(0, 86_399))
        schedule = None
        if rng.random() < 0.7:
            days = sorted(rng.sample(DAYS, rng.randint(1, 3)), key=DAYS.index)
            schedule = {"days": days, "time": f"{rng.randint(0, 23):02d}:{rng.choice((0, 30)):02d}:00+00:00"}
        allow = [f"203.0.113.{rng.randint(0, 255)}/32"] if rng.random() < 0.3 else []
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": sample_name(index),
                "location": LOCATIONS[index % 3] if index < len(CURATED) else rng.choice(LOCATIONS),
                "created_by": rng.choice(OWNERS),
                "created_at": created,
                "schedule": schedule,
                "scanning": rng.random() < 0.8,
                "allow_list": allow,
                "storage_bytes": rng.randint(0, 200) * 1024**3 + rng.randint(0, 1024**3),
                "storage_updated_at": now - timedelta(hours=rng.randint(1, 24)),
            }
        )
    return out
