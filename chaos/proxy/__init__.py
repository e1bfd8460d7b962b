"""The fault proxy: an asyncio TCP proxy whose links can be slowed or cut live.

Modelled on Toxiproxy. Every configured link listens on its own port and pipes bytes to an
upstream. Faults ("toxics", one module each under `toxics/`) attach to *logical* link names
(`web-1->store-2`, `store-1->store-2`) by exact name or glob, and act on both existing and
new connections. Run with `python -m chaos.proxy --config links.json --admin-port PORT`.
"""
