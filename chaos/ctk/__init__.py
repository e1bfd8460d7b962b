"""A Chaos Toolkit extension for gameday: drive a stack's controller from CTK experiments.

Activities live in `chaos.ctk.actions` and `chaos.ctk.probes` (module-level functions, as
chaostoolkit-lib's Python provider calls them). Configuration, as Chaos Toolkit users set it
in the experiment's `configuration` block:

- `gameday_state_dir`: a stack's state directory (the controller URL and token are read from
  its `stack.json` and `token`), or
- `gameday_controller_url`: the controller's base URL, with the token in the secrets
  (`secrets: {gameday: {token: ...}}`, referenced by each activity's `"secrets": ["gameday"]`).

`discover()` lists the activities for `chaos discover chaos.ctk` (see docs/interop.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__", "discover"]
__version__ = "0.1.0"


def discover(discover_system: bool = True) -> dict[str, Any]:
    """The extension's activities, in the shape chaostoolkit-lib's discovery returns."""
    from chaoslib.discovery.discover import (
        discover_actions,
        discover_probes,
        initialize_discovery_result,
    )

    discovery = initialize_discovery_result("gameday-chaos-ctk", __version__, "gameday")
    discovery["activities"].extend(discover_actions("chaos.ctk.actions"))
    discovery["activities"].extend(discover_probes("chaos.ctk.probes"))
    return discovery
