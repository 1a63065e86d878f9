"""Finding and removing artifact directories that no run registered (``artifact-store gc``).

A step writes its outputs into fresh directories and registers them only once they are complete
(ARCHITECTURE 1.4). A process killed in between (``kill -9``, a lost worker) leaves a directory
that no metadata row points at. ``find_garbage`` lists those directories of a stack's artifact
store that its metadata store does not know and that have not changed for a grace period;
``remove_garbage`` deletes exactly those. A registered artifact is never removed.

The metadata store of the stack must be the only one registering artifacts in that artifact store:
a directory registered by another metadata store looks unregistered from here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack

DEFAULT_GRACE_PERIOD = timedelta(hours=24)


@dataclass(frozen=True)
class Garbage:
    """An unregistered artifact directory old enough to remove."""

    uri: str
    age_seconds: float | None  # None: the store gives no modification time


def find_garbage(
    stack: Stack, *, grace_period: timedelta = DEFAULT_GRACE_PERIOD, include_undated: bool = False
) -> list[Garbage]:
    """The unregistered artifact directories of ``stack`` unchanged for at least ``grace_period``.

    A directory whose age the store cannot tell (an empty prefix on an object store) is included
    only with ``include_undated``.

    The registered uris are read after the directories are listed, so an artifact registered
    while this runs is not taken for garbage.
    """
    artifact_store = stack.artifact_store.open_store()
    metadata_store = stack.metadata_store.open_store()
    directories = artifact_store.artifact_directories()
    registered = metadata_store.artifact_uris_under(artifact_store.path)
    now = time.time()
    garbage = []
    for uri in directories:
        if uri.rstrip("/") in registered:
            continue
        modified = artifact_store.last_modified(uri)
        age = None if modified is None else max(0.0, now - modified)
        if age is None and not include_undated:
            continue
        if age is not None and age < grace_period.total_seconds():
            continue  # perhaps a step still writing it
        garbage.append(Garbage(uri, age))
    return garbage


def remove_garbage(stack: Stack, garbage: list[Garbage]) -> list[str]:
    """Remove the directories ``find_garbage`` listed, checking each is still unregistered."""
    artifact_store = stack.artifact_store.open_store()
    registered = stack.metadata_store.open_store().artifact_uris_under(artifact_store.path)
    removed = []
    for item in garbage:
        if item.uri.rstrip("/") in registered:
            continue  # registered since it was listed
        artifact_store.discard(item.uri)
        removed.append(item.uri)
    return removed


__all__ = ["DEFAULT_GRACE_PERIOD", "Garbage", "find_garbage", "remove_garbage"]
