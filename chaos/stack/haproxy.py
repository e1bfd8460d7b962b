"""HAProxy configuration for the `lb` component, in both runtimes (the Compose file,
compose/haproxy/haproxy.compose.cfg, is generated with it: chaos/runtime/compose_files.py)."""

from __future__ import annotations

from collections.abc import Callable

from chaos.stack.plan import ProxyLink, StackPlan

LOCAL_HEADER = "# Rendered by gameday from the stack plan; edits are overwritten at the next `up`."


def render(plan: StackPlan, active_webs: set[str] | None = None, *,
           dial: Callable[[ProxyLink], str] | None = None, header: str = LOCAL_HEADER) -> str:
    """Every planned web slot is a server; slots not running start `disabled` (maintenance)
    and are brought in later through the runtime API, without a reload. A server is its
    lb->web fault-proxy link, at the address `dial` gives (by default where the link listens)."""
    lb = plan.component("lb")
    links = {link.name: link for link in plan.proxy_links}
    dial = dial or (lambda link: link.listen)
    active = (
        active_webs
        if active_webs is not None
        else {c.name for c in plan.components if c.role == "web" and not c.standby}
    )
    servers = "\n".join(
        f"    server {web} {dial(links[f'lb->{web}'])} check{'' if web in active else ' disabled'}"
        for web in plan.names("web")
    )
    return f"""\
{header}
global
    maxconn 4096
    # The runtime API: `gameday drain/ready/scale` use it to change servers without a reload.
    stats socket {plan.lb_admin_socket} mode 600 level admin expose-fd listeners
    log stderr format short local0 warning

defaults
    mode http
    log global
    option dontlognull
    timeout connect 500ms
    timeout client 30s
    timeout server 5s
    timeout check 400ms
    timeout http-keep-alive 10s
    # A connection that never reached a server is always safe to try on another one.
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend api
    bind {plan.host}:{lb.ports["http"]}
    # Writes are not retried at layer 7: a PUT that timed out may have been applied.
    http-request disable-l7-retry if !METH_GET !METH_HEAD
    # The web instances' /admin API (in-process faults) is the controller's alone: it calls
    # each instance directly, never through the public edge. Decoded and lower-cased, so
    # /%61dmin or //Admin do not slip past what the app would route as /admin.
    http-request deny deny_status 403 if {{ path,url_dec,lower -m reg ^/+admin(/|$) }}
    default_backend web

frontend stats
    bind {plan.host}:{lb.ports["stats"]}
    http-request use-service prometheus-exporter if {{ path /metrics }}
    http-request return status 200 content-type text/plain string "ok" if {{ path /healthz }}
    stats enable
    stats uri /stats
    stats refresh 2s

backend web
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # Two failed checks 500 ms apart take an instance out within about 1 s; passive
    # layer-4 observation takes it out sooner when live traffic hits a dead socket.
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
    default-server observe layer4 error-limit 2 on-error mark-down
{servers}
"""
