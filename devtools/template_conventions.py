"""Gives every function in template.yaml what the conventions ask (docs/deploy.md, checked by
tests/test_template.py): ``DependsOn: Migrations``, its own log group with the stack's retention
(``LoggingConfig`` and a ``<Name>Logs`` resource right after the function), and a requirements.txt
in its folder. Edits the text in place and leaves everything else as it is.

python -m devtools.template_conventions          # report what is missing (exit 1 if anything is)
python -m devtools.template_conventions --fix    # add it
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REQUIREMENTS = (
    "# No dependencies of its own: everything comes from the shared layer. (The file keeps `sam build` quiet.)\n"
)
_RESOURCE = re.compile(r"^  ([A-Za-z0-9]+):\s*$")


def _block_end(lines: list[str], start: int) -> int:
    """The index after the resource starting at ``start`` (trailing blank lines excluded)."""
    end = start + 1
    while end < len(lines) and not re.match(r"^(  [A-Za-z#]|\S)", lines[end]):
        end += 1
    while lines[end - 1].strip() == "":
        end -= 1
    return end


def apply(text: str) -> tuple[str, list[str]]:
    """The template with the conventions applied, and what was added."""
    lines = text.split("\n")
    added: list[str] = []
    i = lines.index("Resources:") + 1
    while i < len(lines) and not re.match(r"^\S", lines[i]):
        found = _RESOURCE.match(lines[i])
        if not (found and i + 1 < len(lines) and lines[i + 1].strip() == "Type: AWS::Serverless::Function"):
            i += 1
            continue
        name = found.group(1)
        base = name.removesuffix("Function")
        end = _block_end(lines, i)
        block = lines[i:end]
        body = "\n".join(block)
        if name != "MigrateFunction" and "DependsOn:" not in body:
            block.insert(2, "    DependsOn: Migrations  # the schema first, then the code that uses it")
            added.append(f"{name}: DependsOn Migrations")
        if "LoggingConfig:" not in body:
            at = next(k for k, line in enumerate(block) if line.startswith("    Properties:")) + 1
            while at < len(block) and block[at].startswith(
                ("      CodeUri:", "      Description:", "      FunctionName:")
            ):
                at += 1
            block[at:at] = ["      LoggingConfig:", f"        LogGroup: !Ref {base}Logs"]
            added.append(f"{name}: LoggingConfig")
        if not any(line == f"  {base}Logs:" for line in lines):
            block += [
                "",
                f"  {base}Logs:",
                "    Type: AWS::Logs::LogGroup",
                "    Properties:",
                f'      LogGroupName: !Sub "/aws/lambda/${{AWS::StackName}}/{base}"',
                "      RetentionInDays: !Ref LogRetentionDays",
            ]
            added.append(f"{base}Logs")
        lines[i:end] = block
        i += len(block)
    return "\n".join(lines), added


def missing_requirements() -> list[Path]:
    return [
        d / "requirements.txt"
        for d in sorted((ROOT / "functions").iterdir())
        if (d / "app.py").exists() and not (d / "requirements.txt").exists()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fix", action="store_true")
    args = parser.parse_args()
    text, added = apply(TEMPLATE.read_text())
    files = missing_requirements()
    for item in added + [str(f.relative_to(ROOT)) for f in files]:
        print(("added " if args.fix else "missing ") + item)
    if args.fix:
        TEMPLATE.write_text(text)
        for file in files:
            file.write_text(REQUIREMENTS)
    elif added or files:
        sys.exit(1)


if __name__ == "__main__":
    main()
