"""The resolver factory: every request sees its own event, even when one process resolves several
at once (the local gateway's workers; Powertools itself keeps the event on a class attribute)."""

from __future__ import annotations

import json
import threading
from typing import Any

from devtools.gateway import build_event
from shared.api import create_app, lambda_entry
from tests.helpers import LambdaContext


def test_concurrent_invocations_of_one_process_keep_their_own_event() -> None:
    # Given two functions (two resolvers) whose routes wait until both requests are inside
    barrier = threading.Barrier(2, timeout=5)
    handlers = []
    for _ in range(2):
        app = create_app()

        @app.get("/echo/<name>")
        def echo(name: str, app: Any = app) -> dict[str, str]:
            barrier.wait()
            return {"name": name, "path": app.current_event.path}

        handlers.append(lambda_entry(app))
    answers: dict[str, Any] = {}

    def call(handler: Any, name: str) -> None:
        event = build_event(
            "GET",
            f"/echo/{name}",
            {},
            b"",
            "",
            "127.0.0.1",
            route_key="GET /echo/{name}",
            path_parameters={"name": name},
        )
        answers[name] = json.loads(handler(event, LambdaContext())["body"])

    # When both are resolved at the same time on two threads
    threads = [threading.Thread(target=call, args=(h, n)) for h, n in zip(handlers, ("anna", "boris"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then each answered from its own request
    assert answers == {
        "anna": {"name": "anna", "path": "/echo/anna"},
        "boris": {"name": "boris", "path": "/echo/boris"},
    }
