"""``python -m audiocraft_expotion.features``: see :mod:`.cli`."""
import sys

from .cli import main

sys.exit(main())
