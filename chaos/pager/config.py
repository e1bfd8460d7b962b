"""Alertmanager's configuration for a playground: pages reach the controller's pager at once.

Symptom alerts (`severity="page"`) route to the pager, the controller's webhook receiver;
cause alerts (`severity="ticket"`) go to a receiver with no integration, as tickets would go to
a ticket queue: visible in Alertmanager's own UI and API, never paging anyone. Timings are
seconds, not the minutes a production pager uses, so a fault pages within a game day's pace:

* `group_wait` 1 s: the first notification of a new group waits a second for its siblings.
* `group_interval` 5 s: changes to a group (a new alert in it, a resolution) go out within 5 s.
* `repeat_interval` 1 h: an unacknowledged page is not re-sent every few seconds.
"""

from __future__ import annotations

import yaml

WEBHOOK_PATH = "/api/alertmanager/webhook"
GROUP_WAIT = "1s"
GROUP_INTERVAL = "5s"
REPEAT_INTERVAL = "1h"
# Alerts are grouped the way an on-call engineer reads them: one page per alert and job.
GROUP_BY = ["alertname", "job"]


def render(controller_url: str, token_file: str) -> str:
    """alertmanager.yml: pages to the controller (bearer token from a file), tickets kept."""
    config = {
        "route": {
            "receiver": "tickets",
            "group_by": GROUP_BY,
            "group_wait": GROUP_WAIT,
            "group_interval": GROUP_INTERVAL,
            "repeat_interval": REPEAT_INTERVAL,
            "routes": [{"receiver": "pager", "matchers": ['severity="page"']}],
        },
        "receivers": [
            {
                "name": "pager",
                "webhook_configs": [{
                    "url": controller_url.rstrip("/") + WEBHOOK_PATH,
                    "send_resolved": True,
                    "max_alerts": 0,
                    "http_config": {"authorization": {"type": "Bearer",
                                                      "credentials_file": token_file}},
                }],
            },
            {"name": "tickets"},
        ],
    }
    header = "# Rendered by gameday (chaos/pager/config.py); edits are overwritten at `up`.\n"
    return header + yaml.safe_dump(config, sort_keys=False)
