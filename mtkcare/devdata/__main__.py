"""``python -m mtkcare.devdata``: see ``mtkcare.devdata.cli``."""

import sys

from mtkcare.devdata.cli import main

sys.exit(main())
