#!/usr/bin/env python3
"""`python ingest.py SOURCE... [--index DIR] [--prune] [--json]`: the ingest command.

A shim over `search-app ingest`, so the one code path serves both spellings.
"""

import sys

from search_app.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
