import sys

from effnet_inspect.cli import main

sys.exit(main())
