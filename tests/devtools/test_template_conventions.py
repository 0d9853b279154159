"""`python -m devtools.template_conventions --fix` gives a new function the template's conventions."""

from __future__ import annotations

from pathlib import Path

from devtools import template_conventions

ROOT = Path(__file__).resolve().parents[2]

NEW_FUNCTION = """
  UploadFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/upload/
      Description: POST /webhook/api/operator/uploads
      Policies:
        - AWSSecretsManagerGetSecretValuePolicy:
            SecretArn: !Ref DatabaseSecretArn
"""


def test_the_checked_in_template_follows_them() -> None:
    text = (ROOT / "template.yaml").read_text()
    assert template_conventions.apply(text) == (text, [])


def test_a_new_function_gets_its_log_group_and_runs_after_the_migrations() -> None:
    text = (ROOT / "template.yaml").read_text()
    with_new = text.replace("\n  # --- migrations", NEW_FUNCTION + "\n  # --- migrations", 1)
    fixed, added = template_conventions.apply(with_new)
    assert added == ["UploadFunction: DependsOn Migrations", "UploadFunction: LoggingConfig", "UploadLogs"]
    assert (
        """
  UploadFunction:
    Type: AWS::Serverless::Function
    DependsOn: Migrations  # the schema first, then the code that uses it
    Properties:
      CodeUri: functions/upload/
      Description: POST /webhook/api/operator/uploads
      LoggingConfig:
        LogGroup: !Ref UploadLogs
      Policies:
        - AWSSecretsManagerGetSecretValuePolicy:
            SecretArn: !Ref DatabaseSecretArn

  UploadLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/aws/lambda/${AWS::StackName}/Upload"
      RetentionInDays: !Ref LogRetentionDays
"""
        in fixed
    )
    assert template_conventions.apply(fixed) == (fixed, [])
