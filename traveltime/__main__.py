"""``python -m traveltime``: see ``traveltime.cli``."""

import sys

from traveltime.cli import main

raise SystemExit(main(sys.argv[1:]))
