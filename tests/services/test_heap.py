"""services.heap: start-up objects land in the permanent generation (in a child process, so
this test process's own collector is left alone)."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import gc
from services.heap import freeze_startup_heap
before = gc.get_freeze_count()
freeze_startup_heap()
print(before, gc.get_freeze_count())
"""


def test_freeze_moves_the_startup_objects_out_of_collection() -> None:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert before == 0
    assert after > 1000  # the interpreter's and the imports' objects
