"""Deterministic sample content for ``--seed N``: repositories with tagged images, a vulnerability
database with realistic advisories (some in many images, e.g. Log4Shell), and tokens, some expired
or expiring soon. The same seed always gives the same content."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from .content import StoredArtifact, StoredRepository, StoredToken, StoredVulnerability

# id, severity, score, fixable, (purl type, package, affected version), fixed in, description
ADVISORIES = (
    (
        "CVE-2021-44228",
        "Critical",
        10.0,
        ("maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
        "2.17.1",
        "Log4Shell: JNDI lookups in log messages allow remote code execution.",
    ),
    (
        "CVE-2022-22965",
        "Critical",
        9.8,
        ("maven", "org.springframework:spring-beans", "5.3.17"),
        "5.3.18",
        "Spring4Shell: data binding on JDK 9+ allows remote code execution.",
    ),
    (
        "CVE-2024-3094",
        "Critical",
        10.0,
        ("deb", "xz-utils", "5.6.0"),
        "5.6.1+really5.4.5",
        "Malicious code in the xz upstream tarballs (liblzma backdoor).",
    ),
    (
        "CVE-2023-4863",
        "High",
        8.8,
        ("deb", "libwebp7", "1.2.4-0.2"),
        "1.2.4-0.2+deb12u1",
        "Heap buffer overflow in libwebp allows a crafted image to execute code.",
    ),
    (
        "CVE-2023-44487",
        "High",
        7.5,
        ("golang", "golang.org/x/net", "0.15.0"),
        "0.17.0",
        "HTTP/2 Rapid Reset: stream cancellation enables denial of service.",
    ),
    (
        "CVE-2024-6387",
        "High",
        8.1,
        ("deb", "openssh-server", "1:9.2p1-2"),
        "1:9.2p1-2+deb12u3",
        "regreSSHion: a signal handler race in sshd allows remote code execution.",
    ),
    (
        "CVE-2023-38545",
        "Critical",
        9.8,
        ("deb", "curl", "7.88.1-10"),
        "7.88.1-10+deb12u4",
        "SOCKS5 heap buffer overflow in curl.",
    ),
    (
        "CVE-2022-3602",
        "High",
        7.5,
        ("deb", "openssl", "3.0.5-4"),
        "3.0.7-1",
        "X.509 email address buffer overflow in OpenSSL 3.",
    ),
    (
        "CVE-2023-5363",
        "High",
        7.5,
        ("deb", "openssl", "3.0.9-1"),
        "3.0.11-1~deb12u2",
        "Incorrect cipher key and IV length processing in OpenSSL.",
    ),
    (
        "CVE-2024-24790",
        "Critical",
        9.8,
        ("golang", "stdlib", "1.21.10"),
        "1.21.11",
        "net/netip: IPv4-mapped IPv6 addresses are misclassified.",
    ),
    (
        "GHSA-jfh8-c2jp-5v3q",
        "Critical",
        10.0,
        ("maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
        "2.15.0",
        "Remote code injection in Log4j (GitHub advisory).",
    ),
    (
        "CVE-2023-45853",
        "Critical",
        9.8,
        ("deb", "zlib1g", "1:1.2.13.dfsg-1"),
        None,
        "Integer overflow in zlib's MiniZip; no fixed package yet.",
    ),
    (
        "CVE-2022-40897",
        "Medium",
        5.9,
        ("pypi", "setuptools", "65.5.0"),
        "65.5.1",
        "Regular expression denial of service in setuptools package_index.",
    ),
    (
        "CVE-2023-32681",
        "Medium",
        6.1,
        ("pypi", "requests", "2.30.0"),
        "2.31.0",
        "Proxy-Authorization header leaked to destination servers on redirect.",
    ),
    (
        "CVE-2024-35195",
        "Medium",
        5.6,
        ("pypi", "requests", "2.31.0"),
        "2.32.0",
        "Session keeps verify=False for later requests to the same host.",
    ),
    (
        "CVE-2023-45288",
        "Medium",
        5.3,
        ("golang", "golang.org/x/net", "0.22.0"),
        "0.23.0",
        "HTTP/2 CONTINUATION frames cause excessive CPU use.",
    ),
    (
        "CVE-2022-4899",
        "Medium",
        5.5,
        ("deb", "libzstd1", "1.5.4+dfsg2-5"),
        None,
        "Denial of service via an empty string argument to zstd; no fix available.",
    ),
    (
        "CVE-2023-29383",
        "Low",
        3.3,
        ("deb", "passwd", "1:4.13+dfsg1-1"),
        None,
        "chfn does not reject control characters in fields.",
    ),
    (
        "CVE-2011-3374",
        "Low",
        3.7,
        ("deb", "apt", "2.6.1"),
        None,
        "apt-key does not validate downloaded keyrings correctly.",
    ),
    (
        "CVE-2022-0563",
        "Low",
        5.5,
        ("deb", "util-linux", "2.38.1-5"),
        "2.38.1-5+deb12u1",
        "chfn and chsh may leak file content through readline's INPUTRC.",
    ),
    (
        "CVE-2023-50495",
        "Medium",
        6.5,
        ("deb", "libncursesw6", "6.4-4"),
        None,
        "Segmentation fault in ncurses' tic utility.",
    ),
    (
        "CVE-2024-2961",
        "High",
        8.8,
        ("deb", "libc6", "2.36-9+deb12u4"),
        "2.36-9+deb12u7",
        "glibc iconv ISO-2022-CN-EXT out-of-bounds write.",
    ),
)

REPOSITORIES = ("team/app", "team/worker", "base/debian", "base/python", "web/frontend", "ml/trainer", "tools/ci")
TOKEN_NAMES = ("ci-push", "deploy-pull", "renovate", "backup-reader")


def sample_vulnerabilities(now: datetime) -> list[StoredVulnerability]:
    return [
        StoredVulnerability(vid, sev, score, fixed is not None, pkg, fixed, text, now - timedelta(days=40 + 31 * i))
        for i, (vid, sev, score, pkg, fixed, text) in enumerate(ADVISORIES)
    ]


def _digest(rng: random.Random) -> str:
    return "sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))


def sample_repositories(
    rng: random.Random, index: int, owner: str, now: datetime, artifacts: int | None
) -> dict[str, StoredRepository]:
    """A registry's repositories; ``artifacts`` (when given) spreads that many images over them."""
    count = 2 + (index * 3 + rng.randint(0, 2)) % 5
    names = REPOSITORIES[: min(count, len(REPOSITORIES))] if index < 12 else rng.sample(REPOSITORIES, 2)
    per_repo = (
        [artifacts // len(names) + (i < artifacts % len(names)) for i in range(len(names))]
        if artifacts
        else [rng.randint(2, 5) for _ in names]
    )
    out: dict[str, StoredRepository] = {}
    for name, size in zip(names, per_repo, strict=True):
        repo = StoredRepository(name, now - timedelta(days=rng.randint(60, 300)), owner)
        for k in range(size):
            major, minor, patch = 1, rng.randint(0, 6), size - k
            tags = [f"{major}.{minor}.{patch}"] + (["latest"] if k == 0 else [])
            if name == "team/app" and index == 0 and k == 1:
                tags = ["1.4.2"]  # the on-call example in the README: prod-images/team/app:1.4.2
            vulns = rng.sample([a[0] for a in ADVISORIES], rng.randint(0, 4))
            if tags == ["1.4.2"] or (k == size - 1 and index % 3 == 0):
                vulns = sorted(set(vulns) | {"CVE-2021-44228"})
            pushed = now - timedelta(days=k * 9 + rng.randint(0, 8), hours=rng.randint(0, 23))
            artifact = StoredArtifact(_digest(rng), name, tags, pushed, vulns)
            artifact.pull_count = rng.randint(0, 5000)
            artifact.pulled_at = now - timedelta(hours=rng.randint(1, 400)) if artifact.pull_count else None
            artifact.push_count = 1 + rng.randint(0, 2)
            repo.artifacts[artifact.digest] = artifact
        out[name] = repo
    return out


def sample_tokens(
    rng: random.Random, index: int, owner: str, now: datetime, count: int | None = None
) -> dict[str, StoredToken]:
    """A few tokens per registry, or ``count`` of them (benchmarks), some expired or expiring soon."""
    out: dict[str, StoredToken] = {}
    names: list[str] = list(TOKEN_NAMES[: 1 + (index + rng.randint(0, 3)) % 4])
    if count is not None:
        names = [f"{TOKEN_NAMES[k % len(TOKEN_NAMES)]}-{k}" for k in range(count)]
    for k, name in enumerate(names):
        expiry = [now + timedelta(days=3 + index % 4), now - timedelta(days=2), now + timedelta(days=200), None][
            (index + k) % 4
        ]
        scopes = [{"type": "repository", "name": "team/*", "actions": ["pull", "push"]}]
        if name.endswith(("pull", "reader")):
            scopes = [{"type": "repository", "name": "*", "actions": ["pull"]}]
        token = StoredToken(
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            name,
            scopes,
            "disabled" if (index + k) % 7 == 6 else "enabled",
            expiry,
            now - timedelta(days=rng.randint(10, 300)),
            owner,
        )
        out[token.id] = token
    return out
