"""SnapStart: what a function restored from a snapshot must not keep from the one snapshotted.

Lambda initializes an API function once per published version (the imports, the settings, the
module-level setup), snapshots that memory and restores copies of it for every cold start, possibly
many at once and days later. Whatever the init left behind is then shared by all the copies:

- an open database connection (one socket for many containers, to a server that has long closed
  it): closed before the snapshot, and again after a restore, so the first unit of work opens its own;
- the secrets read during init (cached with a TTL that would count from the snapshot): cleared, so
  they are read again, fresh, after a restore;
- the ``random`` module's state (every copy would draw the same "random" numbers): reseeded from
  the operating system. Tokens, passwords and secrets come from ``secrets`` (os.urandom), which the
  kernel keeps unique per restored copy; only ``random`` needs it.

Each concern registers its own hook here (``before_snapshot``/``after_restore``); ``register()``
hands them to the runtime's ``snapshot_restore_py`` (part of Lambda's Python runtimes, and a dev
dependency here), and does nothing where it is absent: there is no snapshot to take there.
"""

from __future__ import annotations

import random
from collections.abc import Callable

_before_snapshot: list[Callable[[], None]] = []
_after_restore: list[Callable[[], None]] = []
_registered = False


def before_snapshot(hook: Callable[[], None]) -> Callable[[], None]:
    """Run ``hook`` just before Lambda takes the snapshot (usable as a decorator)."""
    if hook not in _before_snapshot:
        _before_snapshot.append(hook)
    return hook


def after_restore(hook: Callable[[], None]) -> Callable[[], None]:
    """Run ``hook`` in each copy restored from the snapshot, before its first invocation."""
    if hook not in _after_restore:
        _after_restore.append(hook)
    return hook


def run_before_snapshot() -> None:
    for hook in _before_snapshot:
        hook()


def run_after_restore() -> None:
    for hook in _after_restore:
        hook()


def register() -> None:
    """Give the hooks to the runtime, once per process (each module that has hooks calls this)."""
    global _registered
    if _registered:
        return
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # not Lambda's runtime and not installed: nothing is ever snapshotted
        return
    register_before_snapshot(run_before_snapshot)
    register_after_restore(run_after_restore)
    _registered = True


after_restore(random.seed)  # no argument: seeded from os.urandom, different in every copy
