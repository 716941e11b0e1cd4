"""The Whoosh engine: schema, writers, mapped readers, scoring and doc tables.

The only place in search_app that imports Whoosh (Whoosh-Reloaded 2.7.5). It is
wired through Whoosh's own extension points (a codec, writer and reader
subclasses passed in explicitly, an Index subclass); nothing here changes a
Whoosh class, so importing search_app leaves Whoosh as shipped.
"""
