"""Search engines behind one interface (base.py).

``engine.whoosh`` is the only package that imports Whoosh; everything above it
(query language, service, presentation, web, CLI) works on our own types, so a
second engine can stand in for it.
"""
