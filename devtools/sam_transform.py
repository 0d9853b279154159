"""template.yaml as CloudFormation receives it from `sam deploy`: the code locations rewritten to
S3 (what `sam package` does) and the SAM transform applied (aws-sam-translator, what
CloudFormation's AWS::Serverless transform runs). Printed as JSON: {"template": ..., "keys": [...]}
with the S3 keys the code must be found under.

It runs on the SAM CLI's own interpreter (`.tools/sam/bin/python`, which `make` installs), where
aws-sam-translator lives with the pydantic it pins; the project's .venv keeps the layer's:

    .tools/sam/bin/python devtools/sam_transform.py template.yaml BUCKET REGION
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


class NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only for policies named by a bare name."""

    def load(self) -> dict[str, str]:
        return {}


def cloudformation(template_path: Path, bucket: str) -> dict[str, Any]:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    sam = yaml_parse(template_path.read_text())
    keys = []
    for resource in sam["Resources"].values():
        props = resource.get("Properties", {})
        for field in ("CodeUri", "ContentUri"):
            if isinstance(props.get(field), str):
                keys.append(f"{props[field].strip('/')}.zip")
                props[field] = f"s3://{bucket}/{keys[-1]}"
    translated: dict[str, Any] = transform(sam, {}, NoManagedPolicies())
    return {"template": translated, "keys": keys}


if __name__ == "__main__":
    template_file, code_bucket, region = sys.argv[1:4]
    os.environ["AWS_DEFAULT_REGION"] = region  # the transform fills AWS::Region from it, as the SAM CLI does
    json.dump(cloudformation(Path(template_file), code_bucket), sys.stdout)
