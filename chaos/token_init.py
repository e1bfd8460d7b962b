"""`python -m chaos.token_init PATH [--owner UID]`: the Compose stack's admin token.

Run once by the `token-init` service before anything else starts: it writes a fresh random
token into PATH (a named volume the other services mount read-only and read through
`GAMEDAY_ADMIN_TOKEN_FILE`), mode 0600 from the first byte, owned by the services' user. A
token already there is kept, so a restart does not lock the running services out. Nothing
ships a default secret: plain `docker compose up` gets its own token.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from chaos.state import create_secret


def ensure_admin_token(path: Path, owner: int | None = None) -> bool:
    """True if this call created the token (False: one was there already)."""
    created = create_secret(path, secrets.token_urlsafe(32) + "\n")
    if owner is not None and os.stat(path).st_uid != owner:
        os.chown(path, owner, owner)  # the mode stays 0600: only that user (and root) reads
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos.token_init")
    parser.add_argument("path", type=Path)
    parser.add_argument("--owner", type=int, default=None, help="uid (and gid) to own it")
    args = parser.parse_args(argv)
    created = ensure_admin_token(args.path, args.owner)
    print(f"admin token {'created' if created else 'kept'} at {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
