"""Map a request to its route template (``/kv/{key}``) before the router runs.

Metrics label requests by template to keep cardinality low, and faults and the bad-deploy
switch target templates, all *before* routing. The table is compiled from the routes'
declared paths (not the framework's router internals, which change between FastAPI
versions), and the result is cached in the scope so each request is resolved once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from starlette.routing import compile_path
from starlette.types import Scope

UNMATCHED = "other"
_SCOPE_KEY = "gameday.route_template"


class DeclaredRoute(Protocol):
    path: str
    methods: set[str] | None


class RouteTemplates:
    def __init__(self, routes: Iterable[DeclaredRoute]) -> None:
        # template -> (compiled path, methods); a template appears once per path.
        table: dict[str, tuple[re.Pattern[str], set[str]]] = {}
        for route in routes:
            regex, template, _ = compile_path(route.path)
            _, methods = table.setdefault(template, (regex, set()))
            methods.update(route.methods or ())
            if "GET" in methods:
                methods.add("HEAD")
        self._table = list(table.items())

    def template_of(self, scope: Scope) -> str:
        cached = scope.get(_SCOPE_KEY)
        if cached is not None:
            return cached
        template = self._resolve(scope["method"], scope["path"])
        scope[_SCOPE_KEY] = template
        return template

    def _resolve(self, method: str, path: str) -> str:
        path_matched: str | None = None
        for template, (regex, methods) in self._table:
            if regex.match(path):
                if method in methods:
                    return template
                # Path known but not the method (a 405): still a known route.
                path_matched = path_matched or template
        return path_matched or UNMATCHED
