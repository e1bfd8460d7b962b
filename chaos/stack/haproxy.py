"""HAProxy configuration for the `lb` component, in both runtimes (the Compose file,
compose/haproxy/haproxy.compose.cfg, is generated with it: chaos/runtime/compose_files.py)."""

from __future__ import annotations

from collections.abc import Callable

from chaos.stack.plan import ProxyLink, StackPlan

# The access line the controller's log store parses (chaos/logs/parse.py): the accept time in
# unix seconds first, then key=value fields, then the quoted request line.
ACCESS_LOG_FORMAT = ("%Ts.%ms status=%ST Tq=%Tq Tw=%Tw Tc=%Tc Tr=%Tr Tt=%Tt server=%b/%s "
                     "retries=%rc term=%tsc bytes=%B trace_id=%[var(txn.trace_id)] %{+Q}r")
HAS_PARENT = "req.hdr(traceparent) -m found"
HAS_TRACE_ID = "res.hdr(x-trace-id) -m found"
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
    # Short format: a syslog priority, then the line; the controller's log store reads both.
    log stderr format short local0 info

defaults
    mode http
    log global
    option dontlognull
    # 5xx, retries, redispatches and timeouts are logged at level err, not info.
    option log-separate-errors
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
    # The trace id: web's X-Trace-Id when it answered, else the incoming traceparent's.
    http-request set-var(txn.trace_id) req.hdr(traceparent),field(2,-) if {{ {HAS_PARENT} }}
    http-response set-var(txn.trace_id) res.hdr(x-trace-id) if {{ {HAS_TRACE_ID} }}
    # One access line per request: accept time, status, timers, server, retries (+N when
    # redispatched), termination state, trace id (docs/observability.md, "Central logs").
    log-format "{ACCESS_LOG_FORMAT}"
    default_backend web

frontend stats
    # Prometheus' scrapes and the controller's probes would bury the requests.
    no log
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
    # A check every 500 ms; after a first failure the next comes 100 ms later (fastinter),
    # so two failed checks take an instance out within about 0.6 s of its death, at no cost
    # while it is healthy. An instance that is out is checked every 100 ms (downinter), so it
    # is back within about 0.2 s of answering ready again: after a store election every
    # instance is out at once (/readyz follows the leader), and each 100 ms is a 100 ms
    # outage. Passive layer-4 observation takes an instance out sooner when live traffic
    # hits a dead socket.
    default-server inter 500ms fastinter 100ms downinter 100ms fall 2 rise 2
    default-server observe layer4 error-limit 2 on-error mark-down
{servers}
"""
