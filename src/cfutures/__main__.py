"""``python -m cfutures``: see cfutures._cli."""
import sys

from cfutures._cli import main

if __name__ == "__main__":
    sys.exit(main())
