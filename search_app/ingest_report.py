"""What an ingest or a reindex did, bounded so a bad file can't flood it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Failure:
    location: str
    reason: str


MAX_FAILURES_KEPT = 100


@dataclass
class IngestReport:
    """What an ingest did; the CLI prints it and the API returns it."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[Failure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failed_more: int = 0  # failures past MAX_FAILURES_KEPT: counted, not kept

    @property
    def ok(self) -> bool:
        return not self.failed and not self.failed_more

    @property
    def failed_count(self) -> int:
        return len(self.failed) + self.failed_more

    def add_failure(self, failure: Failure) -> bool:
        """Keep the first MAX_FAILURES_KEPT failures, count the rest; True when kept.

        A file of two million bad lines must not become two million report
        entries (memory, and a terminal of output).
        """
        if len(self.failed) < MAX_FAILURES_KEPT:
            self.failed.append(failure)
            return True
        self.failed_more += 1
        return False

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"location": f.location, "reason": f.reason} for f in self.failed],
            "failed_more": self.failed_more,
            "article_ids": self.article_ids,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[int, str], None]  # (documents seen so far, current location)
