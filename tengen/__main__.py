"""``python -m tengen``: the ``tengen`` command (for snapshots run without installing)."""
import sys

from tengen.cli import main

sys.exit(main())
