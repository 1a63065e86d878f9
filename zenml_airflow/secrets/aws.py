"""The ``aws`` secrets manager: AWS Secrets Manager through boto3.

Each secret is one AWS secret named ``<secret_name_prefix><name>`` whose ``SecretString`` is
``{"schema": ..., "content": {...}}``. Credentials come from boto3's usual chain (environment,
``~/.aws``, instance role); ``endpoint_url`` points at another endpoint (e.g. a moto server in
tests). boto3 is imported only here, when the manager is first used.
"""

from __future__ import annotations

import json
from typing import Any

from zenml_airflow.secrets.base import BaseSecretsManager
from zenml_airflow.secrets.errors import SecretExistsError, SecretsManagerError
from zenml_airflow.secrets.schemas import BaseSecretSchema, secret_from_record, secret_to_record

INSTALL_HINT = "pip install 'zenml-airflow[s3]'"


class AWSSecretsManager(BaseSecretsManager):
    """Secrets in AWS Secrets Manager (component flavor ``aws``)."""

    def __init__(self, component: Any) -> None:
        super().__init__(component)
        self._client: Any = None

    @property
    def prefix(self) -> str:
        return str(getattr(self.component, "secret_name_prefix", "") or "")

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
            except ImportError as error:
                raise SecretsManagerError(
                    f"The aws secrets manager needs boto3: {INSTALL_HINT}"
                ) from error
            self._client = boto3.session.Session().client(
                "secretsmanager",
                region_name=getattr(self.component, "region_name", None),
                endpoint_url=getattr(self.component, "endpoint_url", None),
            )
        return self._client

    def _call(self, operation: str, secret_name: str | None = None, **kwargs: Any) -> Any:
        """Call ``operation``; map AWS errors to ours (``None`` for a missing secret)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException" and secret_name is not None:
                raise self._missing(secret_name, self._names()) from None
            if code == "ResourceExistsException" and secret_name is not None:
                raise SecretExistsError(
                    f"A secret named '{secret_name}' already exists in {self.label}. Update it "
                    "with `zenml-airflow secret update` or choose another name."
                ) from None
            raise SecretsManagerError(f"{self.subject}: AWS {operation} failed: {error}") from None
        except BotoCoreError as error:
            raise SecretsManagerError(
                f"{self.subject} cannot reach AWS Secrets Manager"
                f"{' at ' + self.component.endpoint_url if getattr(self.component, 'endpoint_url', None) else ''}: "
                f"{error}. Check region_name, endpoint_url and your AWS credentials."
            ) from None

    def _names(self) -> list[str]:
        names: list[str] = []
        kwargs: dict[str, Any] = {"MaxResults": 100}
        if self.prefix:
            kwargs["Filters"] = [{"Key": "name", "Values": [self.prefix]}]
        while True:
            page = self._call("list_secrets", **kwargs)
            for entry in page.get("SecretList", []):
                name = str(entry.get("Name", ""))
                if name.startswith(self.prefix) and not entry.get("DeletedDate"):
                    names.append(name[len(self.prefix) :])
            token = page.get("NextToken")
            if not token:
                return sorted(names)
            kwargs["NextToken"] = token

    def register_secret(self, secret: BaseSecretSchema) -> None:
        self._call(
            "create_secret",
            secret.name,
            Name=self.prefix + secret.name,
            SecretString=json.dumps(secret_to_record(secret)),
            Tags=[{"Key": "zenml_secret_schema", "Value": secret.TYPE}],
        )

    def get_secret(self, secret_name: str) -> BaseSecretSchema:
        response = self._call("get_secret_value", secret_name, SecretId=self.prefix + secret_name)
        try:
            record = json.loads(response["SecretString"])
        except (KeyError, ValueError):
            record = None
        return secret_from_record(
            secret_name, record, f"{self.label} (AWS secret {self.prefix + secret_name})"
        )

    def get_all_secret_keys(self) -> list[str]:
        return self._names()

    def update_secret(self, secret: BaseSecretSchema) -> None:
        self._call(
            "put_secret_value",
            secret.name,
            SecretId=self.prefix + secret.name,
            SecretString=json.dumps(secret_to_record(secret)),
        )

    def delete_secret(self, secret_name: str) -> None:
        # AWS answers a forced delete of a missing secret with success: ask first.
        self._call("describe_secret", secret_name, SecretId=self.prefix + secret_name)
        # Without a recovery window: the name is free again at once, as with the other managers.
        self._call(
            "delete_secret",
            secret_name,
            SecretId=self.prefix + secret_name,
            ForceDeleteWithoutRecovery=True,
        )

    def delete_all_secrets(self, force: bool = False) -> None:
        self._refuse_unforced(force)
        for name in self._names():
            self.delete_secret(name)
