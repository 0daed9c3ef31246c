"""`python -m indicators`: the command line of shared/spec/kpis.md."""

import sys

from .cli import main

sys.exit(main())
