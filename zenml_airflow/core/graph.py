"""Ordering steps: a stable topological sort that names the cycle when there is one."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from zenml_airflow.exceptions import PipelineInterfaceError


def topological_order(nodes: Iterable[str], upstream: Mapping[str, Iterable[str]]) -> list[str]:
    """Order ``nodes`` so every node comes after its upstream nodes.

    Ties keep the order in which the nodes were given (the order of the pipeline definition), so
    the result is deterministic.

    Raises:
        PipelineInterfaceError: for an unknown upstream name or a cycle, naming the steps in it.
    """
    order = {name: index for index, name in enumerate(nodes)}
    parents = {name: set(upstream.get(name, ())) for name in order}
    for name, deps in parents.items():
        for dep in deps:
            if dep not in order:
                raise PipelineInterfaceError(
                    f"Step '{name}' depends on '{dep}', which is not a step of this pipeline."
                )
    children: dict[str, set[str]] = {name: set() for name in order}
    for name, deps in parents.items():
        for dep in deps:
            children[dep].add(name)
    remaining = {name: len(deps) for name, deps in parents.items()}
    ready = [(order[name], name) for name, count in remaining.items() if count == 0]
    heapq.heapify(ready)
    result: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        result.append(name)
        for child in children[name]:
            remaining[child] -= 1
            if remaining[child] == 0:
                heapq.heappush(ready, (order[child], child))
    if len(result) != len(order):
        cycle = _find_cycle({n: parents[n] for n in order if n not in set(result)})
        raise PipelineInterfaceError(
            f"The pipeline's steps form a cycle: {' -> '.join(cycle)}. A step cannot depend, "
            "directly or indirectly, on its own output."
        )
    return result


def _find_cycle(parents: Mapping[str, set[str]]) -> list[str]:
    """Walk upstream from any remaining node until a node repeats; return that loop."""
    start = min(parents)
    path: list[str] = []
    seen: dict[str, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(p for p in parents[node] if p in parents)
    loop = path[seen[node] :] + [node]
    return list(reversed(loop))
