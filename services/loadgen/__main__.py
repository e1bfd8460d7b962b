"""`python -m services.loadgen --target URL --web-port 8089 --rate 50 [--workers N]`"""

import logging
import sys

from services.loadgen.launcher import run
from services.loadgen.options import parse_cli

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sys.exit(run(parse_cli()))
