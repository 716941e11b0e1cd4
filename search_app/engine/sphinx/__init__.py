"""The cluster engine: paragraphs in a sharded, replicated SphinxQL cluster.

Everything here speaks SphinxQL that Sphinx 2.2.11 (Debian's `sphinxsearch`,
what tests run) and current Manticore Search (what production runs) both
accept; the README's Cluster section lists the differences we know of, and
what differs from the Whoosh engine.
"""
