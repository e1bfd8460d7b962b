"""The command line of a bench group run on its own (``python -m bench.<group>``): against a
running stack (``--state-dir``) or a stack of its own, started and always torn down."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from bench.common import Figure
from bench.stack import BenchStack
from bench.table import render_text

Measure = Callable[[BenchStack, float, int], Iterable[Figure]]


def main(description: str, measure: Measure, argv: list[str] | None = None) -> int:
    """Parse ``--seconds``, ``--rounds``, ``--state-dir`` and ``--json``, measure, print."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--state-dir", type=Path, help="a running stack (default: start one)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    stack = BenchStack(rate=0, root=args.state_dir)
    try:
        if stack.owned:
            stack.up()
        figures = [f.as_dict() for f in measure(stack, args.seconds, args.rounds)]
    finally:
        stack.close()
    print(json.dumps(figures, indent=2) if args.json else render_text(figures))
    return 0
