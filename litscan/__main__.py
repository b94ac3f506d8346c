import sys

from litscan.cli import main

sys.exit(main())
