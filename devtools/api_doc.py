"""Writes the endpoint reference of docs/api.md from docs/openapi.json (everything below the marker
line; the text above it is written by hand).

python -m devtools.api_doc          # regenerate (after `python -m devtools.openapi`)
python -m devtools.api_doc --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "openapi.json"
OUTPUT = ROOT / "docs" / "api.md"
MARKER = "<!-- Generated from docs/openapi.json by `python -m devtools.api_doc`: edit above this line only. -->"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _type(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    """A short human type: `string (uuid)`, `"new" | "all"`, `AppealOut[]`, `string | null`..."""
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[1]}`"
    if "anyOf" in schema:
        return " \\| ".join(_type(spec, option) for option in schema["anyOf"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(value, ensure_ascii=False)}`" for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return _type(spec, schema.get("items", {})) + "[]"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        limits = [f"{k} {prop[k]}" for k in ("minLength", "maxLength", "minimum", "maximum") if k in prop]
        notes = "; ".join([*limits, *([prop["description"]] if "description" in prop else [])])
        rows.append(f"| `{name}` | {_type(spec, prop)} | {'yes' if name in required else ''} | {notes} |")
    return rows


def _table(rows: list[str]) -> list[str]:
    return ["| field | type | required | notes |", "|---|---|---|---|", *rows, ""] if rows else []


def render_reference(spec: dict[str, Any]) -> str:
    lines = [MARKER, "", "## Endpoint reference", ""]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            lines += [f"### `{method.upper()} {path}`", "", op.get("summary", ""), ""]
            if op.get("description"):
                lines += [op["description"].strip(), ""]
            params = [
                f"| `{p['name']}` ({p['in']}) | {_type(spec, p.get('schema', {}))} | "
                f"{'yes' if p.get('required') else ''} | {p.get('description', '')} |"
                for p in op.get("parameters", [])
            ]
            if params:
                lines += ["Parameters:", "", *_table(params)]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                rows = _fields(spec, body.get("schema", {}))
                lines += ["Request body:", "", *_table(rows)]
                if "example" in body:
                    example = json.dumps(body["example"], ensure_ascii=False)
                    lines += ["```json", example, "```", ""]
            ok = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
            if ok:
                lines += ["200:", "", *_table(_fields(spec, ok.get("schema", {})))]
            errors = op.get("responses", {}).get("default", {}).get("content", {}).get("application/json", {})
            codes = [f"`{e['value']['error']['code']}` ({e['summary']})" for e in errors.get("examples", {}).values()]
            lines += [f"Errors: `invalid_request` (400), {', '.join(codes)}." if codes else "", ""]
    lines += ["## Schemas", ""]
    for name, schema in spec["components"]["schemas"].items():
        if name in ("ErrorEnvelope", "ResponseValidationError"):
            continue
        rows = _fields(spec, schema)
        if rows:
            lines += [f"### `{name}`", "", *_table(rows)]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def render() -> str:
    head = OUTPUT.read_text().split(MARKER)[0]
    return head + render_reference(json.loads(SPEC.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    if args.check:
        if OUTPUT.read_text() != text:
            sys.exit("docs/api.md is out of date: run `python -m devtools.api_doc`")
        return
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
