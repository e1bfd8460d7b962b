"""Network faults, shared by the controller and the fault proxy.

`schemas` holds the one params schema per network fault kind, the fault-id grammar and the
wire shape of a proxy fault; `control` holds the one interface every network-fault
implementation offers (the fault proxy's client; iptables in containers under Docker).
Nothing here imports the controller: the proxy runs as `python -m chaos.proxy` on its own.
"""
