"""Consistency checking of the KV API from the client's point of view.

`history` describes what clients did and saw; `checker` turns a history into findings. Both are
pure (no I/O, no clocks of their own) so they can be tested on hand-made histories.
"""
