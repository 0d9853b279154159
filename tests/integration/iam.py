"""The functions' roles as template.yaml gives them once the SAM transform has expanded it, and a
judge of one call against a role's inline policies (the ``resources`` fixture, conftest.py, holds
them). moto does not check IAM: the tests that record what a function calls (test_s3_grants.py,
test_kick_grants.py) ask this whether its role allows it.
The managed policies SAM adds (logs, X-Ray, VPC access) grant nothing these tests look at."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from tests.integration.test_deploy_offline import cloudformation_template

BUCKET = "bcrm-media"  # the s3 fixture's
# The stack the roles are judged in: its values, for the policies' ${AWS::...}.
STACK = {"AWS::StackName": "bcrm", "AWS::Region": "eu-central-1", "AWS::AccountId": "123456789012"}
PSEUDO = {**STACK, "AWS::Partition": "aws", "MediaBucket": BUCKET}


def template_resources() -> dict[str, Any]:
    template, _ = cloudformation_template()
    return dict(template["Resources"])


def resolve(value: Any) -> str:
    """A policy's resource with the stack's values put in (the bucket is the tests'); anything else
    stays a placeholder, which matches no object."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return PSEUDO.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::GetAtt" in value:
        return f"arn:aws:s3:::{BUCKET}" if value["Fn::GetAtt"] == ["MediaBucket", "Arn"] else "<GetAtt>"
    if "Fn::Sub" in value:
        text, names = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]

        def put_in(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in names:
                return resolve(names[name])
            if name.endswith(".Arn"):
                return resolve({"Fn::GetAtt": [name.removesuffix(".Arn"), "Arn"]})
            return resolve({"Ref": name})

        return re.sub(r"\$\{([^}]+)\}", put_in, text)
    return "<unresolved>"


def granted(resources: dict[str, Any], function: str, action: str, arn: str) -> bool:
    role = resources[f"{function}Role"]["Properties"]
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if (
                statement["Effect"] == "Allow"
                and any(fnmatchcase(action, a) for a in actions)
                and any(fnmatchcase(arn, resolve(t)) for t in targets)
            ):
                return True
    return False
