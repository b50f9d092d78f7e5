import sys

from locality.report.cli import main

sys.exit(main())
