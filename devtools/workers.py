"""The local gateway's Lambda "containers": a pool of long-lived worker processes, each running one
invocation at a time, as Lambda runs one invocation at a time per container. Production code can
therefore keep per-invocation state where Powertools keeps it (on the resolver) without any
thread-safety shim.

- A worker imports a function's module on its first invocation of that function (a cold start)
  and keeps it (warm). A request waits for a free worker; the pool starts workers on demand, up
  to ``size`` (``GATEWAY_WORKERS``, default twice the CPU count, at least 4).
- Workers are forked from multiprocessing's *forkserver*, not from the gateway itself: the
  gateway is multi-threaded (connection threads, the push dispatcher thread under ``make run``,
  fake servers in tests) and forking a multi-threaded process can leave a lock held forever in
  the child. The forkserver is a single-threaded process that imports the common libraries once
  (``PRELOAD``), so a worker starts in milliseconds with them already loaded.
- A worker gets the gateway's environment when it starts. When the gateway's environment changes
  (a test's ``configure``), idle workers are retired and new ones start with the new environment,
  as a change to a Lambda function's configuration gives it fresh containers.
- A worker that dies mid-invocation answers that request with a 502 (``WorkerDied``); the pool
  starts a replacement on the next request. One found dead when it is sent an invocation (it died
  while idle) is replaced at once, and the request goes on. ``close`` stops every worker.
- An after-commit kick of a job queue inside a worker (pushes, media downloads: ``shared.core.jobs``)
  is sent to the gateway, which kicks that queue's worker there (``make run``'s background
  threads, a test's), or its function, exactly as a kick in the gateway process would.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

# Imported once in the forkserver: every worker starts with the libraries loaded, as a Lambda
# container starts with its runtime; our own modules load on its first invocation (its cold start).
PRELOAD = ["psycopg", "pydantic", "aws_lambda_powertools.event_handler"]

Handler = Callable[[dict[str, Any], Any], Any]


class Invocation(NamedTuple):
    """What the gateway sends a worker: the function to run (by its module and handler) and the event."""

    function_id: str
    module_file: str
    handler: str  # "module.attribute", as in template.yaml
    timeout_s: float
    event: dict[str, Any]


class WorkerDied(Exception):
    """The worker process ended during the invocation (a crash, os._exit, a signal)."""


class _WorkerGone(Exception):
    """The worker had ended before it was sent the invocation (it died while idle)."""


class FunctionFailed(Exception):
    """The handler raised; the argument is the worker's traceback."""


class PoolClosed(Exception):
    """The gateway is stopping: no new invocations."""


def default_size() -> int:
    configured = os.environ.get("GATEWAY_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(4, 2 * (os.cpu_count() or 1))


def load_handler(function_id: str, module_file: Path | str, handler: str, modules: dict[str, ModuleType]) -> Handler:
    """The function's handler, importing its module into ``modules`` on first use."""
    if function_id not in modules:
        name = f"lambda_fn_{function_id}"
        spec = importlib.util.spec_from_file_location(name, module_file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {module_file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and typing look classes' modules up here
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        modules[function_id] = module
    found: Handler = getattr(modules[function_id], handler.rpartition(".")[2])
    return found


def _worker_main(conn: Connection, environment: dict[str, str]) -> None:
    """A worker process: invocations in, one at a time, until told to stop or the gateway goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the gateway, which stops us
    os.environ.clear()
    os.environ.update(environment)
    from devtools.lambda_context import LambdaContext
    from shared.core import db, jobs, settings

    settings.reset()
    for name in jobs.QUEUES:  # a kick after commit (pushes, media downloads) goes to the gateway
        jobs.set_local_kicker(name, functools.partial(conn.send, ("kick", name)))
    modules: dict[str, ModuleType] = {}
    while True:
        try:
            invocation: Invocation | None = conn.recv()
        except (EOFError, OSError):
            break
        if invocation is None:
            break
        try:
            run = load_handler(invocation.function_id, invocation.module_file, invocation.handler, modules)
            context = LambdaContext(invocation.function_id, invocation.timeout_s)
            reply: tuple[str, Any] = ("result", run(invocation.event, context))
        except Exception:
            reply = ("error", traceback.format_exc())  # printed by the gateway, where its output goes
        try:
            message = pickle.dumps(reply)
        except Exception:  # a result that cannot be pickled
            message = pickle.dumps(("error", traceback.format_exc()))
        try:
            conn.send_bytes(message)
        except (OSError, ValueError):
            break
    db.close()


class _Worker:
    def __init__(self, context: Any, environment: dict[str, str], fingerprint: Any) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.fingerprint = fingerprint  # the environment it started with, as _environment_fingerprint() gives it
        self.fresh = True  # no invocation has come back from it yet
        self.process = context.Process(target=_worker_main, args=(child, environment), name="lambda", daemon=True)
        self.process.start()
        child.close()

    def invoke(self, invocation: Invocation, on_kick: Callable[[str], None]) -> Any:
        """Send one invocation, relay its kicks, return the handler's result."""
        try:
            self.conn.send(invocation)
        except OSError as exc:  # its end of the pipe is closed: it never got the invocation
            raise _WorkerGone from exc
        try:
            while True:
                kind, value = self.conn.recv()
                if kind == "kick":
                    on_kick(value)
                    continue
                if kind == "error":
                    raise FunctionFailed(value)
                return value
        except (EOFError, OSError) as exc:
            raise WorkerDied(f"the worker running {invocation.function_id} died") from exc

    def stop(self, timeout_s: float = 5) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout_s)
        self.conn.close()


class WorkerPool:
    """Up to ``size`` worker processes; ``invoke`` runs one invocation on a free one."""

    def __init__(self, size: int | None = None, on_kick: Callable[[str], None] | None = None) -> None:
        self.size = size or default_size()
        self._on_kick = on_kick or _kick_queue
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._idle: list[_Worker] = []  # the warmest (last used) at the end
        self._slots = threading.BoundedSemaphore(self.size)  # one per invocation that may run now
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False

    def invoke(self, invocation: Invocation) -> Any:
        """The handler's result. Raises WorkerDied, PoolClosed, or FunctionFailed (the handler raised)."""
        if self._closed:
            raise PoolClosed
        self._slots.acquire()
        try:
            while True:
                worker = self._checkout()
                try:
                    result = worker.invoke(invocation, self._on_kick)
                except _WorkerGone as gone:
                    self._discard(worker)
                    if worker.fresh:  # it never started: no point in another
                        raise WorkerDied(f"the worker for {invocation.function_id} did not start") from gone
                    continue  # it died while idle: another worker takes the invocation
                except WorkerDied:
                    self._discard(worker)
                    raise
                except BaseException:
                    self._checkin(worker)
                    raise
                worker.fresh = False
                self._checkin(worker)
                return result
        finally:
            self._slots.release()

    def _checkout(self) -> _Worker:
        environment = _environment_fingerprint()
        while True:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                break
            if worker.fingerprint == environment:
                return worker
            self._discard(worker)  # started with an older configuration
        with self._lock:
            if self._closed:
                raise PoolClosed
            worker = _Worker(self._context, dict(os.environ), environment)
            self._workers.add(worker)
        return worker

    def _checkin(self, worker: _Worker) -> None:
        if self._closed:
            self._discard(worker)
        else:
            with self._lock:
                self._idle.append(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.stop()

    def pids(self) -> list[int]:
        """The worker processes running now."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def close(self) -> None:
        """Stop every worker: idle ones now, busy ones when their invocation ends (or after 5 s)."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()


def _environment_fingerprint() -> dict[str, str]:
    """The environment as it is now, to compare with what a worker started with."""
    return dict(os.environ)


def _kick_queue(name: str) -> None:
    """A worker's after-commit kick, done in the gateway: its dispatcher thread (make run, tests),
    or the queue's function (an async invoke), exactly as a kick in this process would."""
    from shared.core import jobs

    jobs.kick(name)
