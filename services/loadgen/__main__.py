"""`python -m services.loadgen --target URL --web-port 8089 --rate 50 [--workers N]`"""

import sys

from services import jsonlog
from services.loadgen.launcher import run
from services.loadgen.options import parse_cli

if __name__ == "__main__":
    jsonlog.configure("loadgen")
    sys.exit(run(parse_cli()))
