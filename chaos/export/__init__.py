"""Scenarios exported to the formats of the field: Chaos Toolkit experiments and Chaos Mesh
workflows (docs/interop.md)."""

from chaos.export.timeline import Strike, timeline

__all__ = ["Strike", "timeline"]
