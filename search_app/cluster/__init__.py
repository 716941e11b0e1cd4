"""A sharded, replicated SphinxQL search cluster: its file, its configs, its processes.

`cluster.json` says where every node is; `config.py` writes one searchd
config per node from it; `process.py` runs the nodes as local processes (for
development, tests and a single big host: production operators start the
same configs their own way); `cli.py` is `search-app cluster ...`.
The engine that reads and writes through the cluster is `search_app.engine.sphinx`.
"""
