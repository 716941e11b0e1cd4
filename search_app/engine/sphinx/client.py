"""SphinxQL over PyMySQL: one connection per node, every answer checked.

searchd speaks the MySQL wire protocol, so a well-kept pure-Python MySQL
client is all the driver we need. What MySQL clients don't do for us is the
part that matters with a distributed index: an aggregator that loses an agent
still answers, with the failure only in ``SHOW WARNINGS``. So every statement
here is followed by ``SHOW WARNINGS`` (and ``SHOW META`` after a SELECT), and
the caller gets both with the rows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pymysql
import pymysql.err

from ...cluster.model import Node
from .errors import NodeUnavailable, QueryFailed

log = logging.getLogger(__name__)

# Seconds. A local node accepts at once; a second bounds a dead host's wait.
CONNECT_TIMEOUT = 1.0
# Seconds a statement may run: above the aggregator's agent_query_timeout, so
# the aggregator reports a slow agent before this connection gives up.
READ_TIMEOUT = 30.0

# MySQL client errors that mean "the node is not there", not "your SQL is wrong".
_CONNECTION_ERRORS = (2002, 2003, 2006, 2013, 2014, 2055)
_READS = ("SELECT", "SHOW S", "SHOW M", "SHOW W", "SHOW I", "CALL K", "DESCRI")


@dataclass
class Result:
    """One statement's answer: rows, column names, SHOW META, SHOW WARNINGS, FACET blocks."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # A SELECT ... FACET returns extra result sets after the main one.
    extra: list[tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=list)
    affected: int = 0

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def total_found(self) -> int:
        return int(self.meta.get("total_found", len(self.rows)))


def _clean_message(message: Any) -> str:
    # searchd 2.2 ends its error strings with a NUL byte.
    return str(message).rstrip("\x00").strip()


class Connection:
    """A lazily opened, thread-safe SphinxQL connection to one node.

    One statement at a time (searchd keeps per-connection state such as
    SHOW META), reopened on the next call after the node dropped it.
    """

    def __init__(
        self,
        node: Node,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.node = node
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._conn: pymysql.connections.Connection | None = None
        self._lock = threading.Lock()

    def _unavailable(self, exc: BaseException) -> NodeUnavailable:
        reason = _clean_message(exc.args[1] if len(exc.args) > 1 else exc)
        return NodeUnavailable(self.node.name, self.node.address, reason)

    def _open(self) -> pymysql.connections.Connection:
        if self._conn is None:
            try:
                self._conn = pymysql.connect(
                    host=self.node.host,
                    port=self.node.port,
                    connect_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                    write_timeout=self.read_timeout,
                    autocommit=True,
                    charset="utf8",
                    # Sphinx 2.2 has no TLS, and PyMySQL's "preferred TLS" builds
                    # an SSL context per connection (0.1 s: most of a health check).
                    ssl_disabled=True,
                )
            except (pymysql.err.OperationalError, OSError) as exc:
                raise self._unavailable(exc) from exc
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # closing a dead socket may fail; it is gone either way
                pass
            self._conn = None

    def execute(
        self, sql: str, args: Sequence[Any] | None = None, meta: bool | None = None
    ) -> Result:
        """Run one statement; then SHOW META (for a SELECT, or when asked) and SHOW WARNINGS.

        ``args`` are quoted by PyMySQL (``%s`` placeholders). Raises
        NodeUnavailable when the node can't be reached and QueryFailed when it
        refuses the statement.
        """
        verb = sql.lstrip()[:6].upper()
        want_meta = verb == "SELECT" if meta is None else meta
        with self._lock:
            reused = self._conn is not None
            try:
                return self._execute(sql, args, want_meta)
            except NodeUnavailable:
                # A kept connection to a node that restarted fails on first use;
                # a read is safe to send again on a fresh one. Writes are not
                # retried: the transaction they belonged to died with the socket.
                if not reused or verb not in _READS:
                    raise
                return self._execute(sql, args, want_meta)

    def _execute(self, sql: str, args: Sequence[Any] | None, want_meta: bool) -> Result:
        conn = self._open()
        try:
            with conn.cursor() as cur:
                result = Result()
                result.affected = cur.execute(sql, args)
                if cur.description:
                    result.columns = [d[0] for d in cur.description]
                    result.rows = list(cur.fetchall())
                while cur.nextset():
                    if cur.description:
                        result.extra.append(([d[0] for d in cur.description], list(cur.fetchall())))
                if want_meta:
                    cur.execute("SHOW META")
                    result.meta = {str(k): str(v) for k, v in cur.fetchall()}
                cur.execute("SHOW WARNINGS")
                result.warnings = [_clean_message(row[2]) for row in cur.fetchall()]
        except pymysql.err.OperationalError as exc:
            if exc.args and exc.args[0] in _CONNECTION_ERRORS:
                self._drop()
                raise self._unavailable(exc) from exc
            raise QueryFailed(self.node.name, sql, _clean_message(exc.args[-1])) from exc
        except (pymysql.err.InterfaceError, OSError) as exc:
            self._drop()
            raise self._unavailable(exc) from exc
        except pymysql.err.MySQLError as exc:
            message = exc.args[-1] if exc.args else exc
            raise QueryFailed(self.node.name, sql, _clean_message(message)) from exc
        for warning in result.warnings:
            log.info("%s warned: %s", self.node.name, warning)
        return result


def ping(node: Node, timeout: float = CONNECT_TIMEOUT) -> bool:
    """True when the node answers SphinxQL right now (a fresh connection: no cached state)."""
    conn = Connection(node, connect_timeout=timeout, read_timeout=timeout)
    try:
        conn.execute("SHOW STATUS", meta=False)
        return True
    except (NodeUnavailable, QueryFailed):
        return False
    finally:
        conn.close()


class Pool:
    """One Connection per node and per thread, created on first use.

    Per thread, because a connection runs one statement at a time: a threaded
    web server would otherwise queue every search behind one socket.
    """

    def __init__(self, read_timeout: float = READ_TIMEOUT) -> None:
        self.read_timeout = read_timeout
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def get(self, node: Node) -> Connection:
        conns: dict[str, Connection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(node.name)
        if conn is None or conn.node != node:
            conn = conns[node.name] = Connection(node, read_timeout=self.read_timeout)
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
