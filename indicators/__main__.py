"""`python -m indicators`: the command line of kpis.md."""

import gc
import sys

from .cli import main

# Everything imported so far (pandas, SQLAlchemy: most of the process's objects) lives as long as the
# command does; frozen, it is left out of every later collection. Without this, the collections that
# importing a database driver triggers walk it again and again: +0.15 s on a PostgreSQL `kpis`.
gc.freeze()

if __name__ == "__main__":  # not when a spawned child process re-imports the main module
    sys.exit(main())
