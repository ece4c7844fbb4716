import sys

from trends.cli import main

sys.exit(main())
