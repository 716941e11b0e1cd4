"""The "commit pending" flag of an index folder, shared by every engine.

A flush commits the engine's index and then the raw store; a process killed
between the two leaves this file behind, and the next writer puts the two in
agreement again (pipeline.py). It is a fact about the folder, not about the
engine, so both engines keep it the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

PENDING_FILE = "commit.pending"


class CommitFlag:
    """Mixed into an engine whose index folder is ``self.root``."""

    root: Path

    @property
    def pending(self) -> bool:
        """True when a flush was cut off between the index and the store commits."""
        return (self.root / PENDING_FILE).exists()

    def set_pending(self, value: bool) -> None:
        path = self.root / PENDING_FILE
        if value:
            with open(path, "w") as fh:
                fh.flush()
                os.fsync(fh.fileno())  # on disk before the commit it guards begins
        else:
            path.unlink(missing_ok=True)
