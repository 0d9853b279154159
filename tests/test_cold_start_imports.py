"""What a function never uses on its requests stays out of its cold start: the functions that read,
assign or change the state of appeals import no channel, no uploads and no media worker (only the
answers, ``appeal_response`` and ``appeal_promo``, send to the client, and they import a platform's
client only when they first send over it), the list and the detail, which change nothing, import
no appeal locking and no pushes, each function defines only the model modules its answers use, and
signing out loads no password hashing."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("fn", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
for name in sys.argv[2:]:  # what runs on a request, after the cold start
    exec(name)
print(json.dumps(sorted(sys.modules)))
"""

SENDING = {
    "shared.appeals.answers",
    "shared.media.downloads",
    "shared.media.uploads",
    "shared.channels.registry",
    "shared.channels.telegram.bot",
    "shared.channels.telegram.files",
    "shared.channels.vk.channel",
}
SENDING |= {"shared.media.models", "shared.media.sql"}


def loaded(function: str, *then: str) -> set[str]:
    """The modules loaded once ``function`` is imported and the statements ``then`` ran."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py"), *then],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    ).stdout
    return set(json.loads(out))


def test_the_appeal_functions_that_send_nothing_import_no_sending_code() -> None:
    functions = sorted(
        p.name
        for p in (ROOT / "functions").iterdir()
        if p.name.startswith("appeal") and p.name not in ("appeal_response", "appeal_promo")
    )
    assert "appeals_list" in functions and "appeal_take" in functions and "appeal_close" in functions
    assert {name: sorted(loaded(name) & SENDING) for name in functions} == {name: [] for name in functions}


def test_the_answers_do_import_it_but_no_platform_before_they_send() -> None:
    modules = loaded("appeal_response")
    assert {"shared.appeals.answers", "shared.channels.registry", "shared.media.uploads"} <= modules
    assert {m for m in modules if m.startswith(("shared.channels.telegram", "shared.channels.vk"))} == set()


def test_the_list_and_the_detail_import_no_locking_and_no_pushes() -> None:
    changing = {"shared.appeals.rules", "shared.appeals.triage", "shared.appeals.lifecycle", "shared.push"}
    assert {name: sorted(loaded(name) & changing) for name in ("appeals_list", "appeal_detail")} == {
        "appeals_list": [],
        "appeal_detail": [],
    }


def test_the_list_defines_no_message_or_detail_model() -> None:
    assert loaded("appeals_list") & {"shared.appeals.message_models", "shared.appeals.detail_models"} == set()


def test_the_detail_says_what_each_channel_can_do_without_importing_the_channel() -> None:
    describe = "from shared.channels import capabilities; [capabilities.of(c) for c in ('telegram', 'vk', 'max')]"
    modules = loaded("appeal_detail", describe)
    assert {"shared.channels.telegram.capabilities", "shared.channels.vk.capabilities"} <= modules
    assert "shared.channels.max.capabilities" in modules
    clients = {"httpx", "shared.channels.registry", "shared.channels.telegram.bot", "shared.channels.max.client"}
    assert {m for m in modules if m in clients or m.endswith(".channel")} == set()


def test_each_appeal_function_defines_only_the_model_modules_its_answers_use() -> None:
    lifecycle = ("appeal_close", "appeal_release", "appeal_transfer", "appeal_read")
    others = {"shared.appeals.message_models", "shared.appeals.list_models", "shared.appeals.triage_models"}
    assert {name: sorted(loaded(name) & others) for name in lifecycle} == {name: [] for name in lifecycle}
    assert "shared.appeals.triage_models" not in loaded("appeals_list")
    assert "shared.appeals.list_models" not in loaded("appeal_take")


def test_signing_out_and_registering_a_device_load_no_password_hashing() -> None:
    hashing = {"shared.auth.login", "shared.auth.passwords", "argon2", "bcrypt"}
    assert {name: sorted(loaded(name) & hashing) for name in ("logout", "register_fcm")} == {
        "logout": [],
        "register_fcm": [],
    }
    assert hashing <= loaded("auth_login_mobile")


def class_bases(tree: ast.Module) -> set[str]:
    return {ast.unparse(base) for node in tree.body if isinstance(node, ast.ClassDef) for base in node.bases}


def test_classes_built_at_import_are_cheap_to_build() -> None:
    """A row or a model under ``from __future__ import annotations`` compiles each field's annotation
    from its string when the class is built, and a dataclass compiles its methods from source: both
    several times a NamedTuple's cost, paid by every cold start that imports the module."""
    lazy, dataclasses = [], []
    for path in sorted((ROOT / "shared").rglob("*.py")):
        source = path.read_text()
        tree = ast.parse(source)
        builds = class_bases(tree) & {"NamedTuple", "Record", "TypedDict", "Model", "Request", "Success", "BaseModel"}
        if builds and "from __future__ import annotations" in source:
            lazy.append(str(path.relative_to(ROOT)))
        if re.search(r"@(dataclasses\.)?dataclass\b", source):
            dataclasses.append(str(path.relative_to(ROOT)))
    assert lazy == []
    assert dataclasses == []
