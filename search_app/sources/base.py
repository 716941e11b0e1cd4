"""Options and outcomes shared by every kind of source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceOptions:
    """Limits on what a source may cost: size, time, redirects, and where URLs may point."""

    max_bytes: int = 10 * 1024 * 1024  # a news page is rarely over 2 MB; 10 MB leaves room
    timeout: float = 15.0  # seconds for the whole fetch: every hop, every byte
    max_redirects: int = 5
    user_agent: str = "ArticleSearch/0.1 (news archive indexer)"
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    block_private: bool = False  # on for URLs that come from the HTTP API (SSRF guard)
    # (host, port) -> addresses; None = the system's resolver. Tests pass their own,
    # so the guard and the pinned connection are checked with no DNS traffic.
    resolver: Callable[[str, int], list[str]] | None = None


@dataclass(frozen=True)
class SourceFailure:
    location: str
    reason: str


class SourceError(Exception):
    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


def human_bytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"
