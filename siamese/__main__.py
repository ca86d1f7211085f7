"""``python -m siamese`` is the same as ``siamese-explorer``."""

import sys

from siamese.cli import main

sys.exit(main())
