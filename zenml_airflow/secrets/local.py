"""The ``local`` secrets manager: one Fernet-encrypted file per component, under the profile.

* **Encrypted at rest** with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``). The key comes
  from ``$ZENML_AIRFLOW_SECRETS_KEY`` when set, else from the component's ``key_file`` (default
  ``<config dir>/secrets.key``), created 0600 on first write. The key never sits in the data file.
* **Files are 0600** (their directory 0700), written to a temporary file and renamed over the old
  one, under an exclusive lock, so concurrent writers never lose or corrupt each other's change.
* **A wrong key is an error**, never garbage: Fernet authenticates the whole file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from zenml_airflow.config.yaml_io import file_lock
from zenml_airflow.secrets.base import BaseSecretsManager
from zenml_airflow.secrets.errors import SecretExistsError, SecretsManagerError
from zenml_airflow.secrets.schemas import BaseSecretSchema, secret_from_record, secret_to_record

KEY_ENV = "ZENML_AIRFLOW_SECRETS_KEY"
KEY_FILE_NAME = "secrets.key"
FILE_VERSION = 1


def default_key_file() -> Path:
    from zenml_airflow.config.global_config import get_config_dir

    return get_config_dir() / KEY_FILE_NAME


def default_secrets_file(component_name: str) -> Path:
    """``<active profile dir>/secrets/<component name>.secrets``."""
    from zenml_airflow.config.active import resolve_active_profile
    from zenml_airflow.config.repository_config import find_repository

    profile, _ = resolve_active_profile(find_repository())
    return profile.path / "secrets" / f"{component_name}.secrets"


def generate_key() -> str:
    """A new Fernet key (what ``$ZENML_AIRFLOW_SECRETS_KEY`` or a key file holds)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def _write_private(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` by a 0600 file holding ``data``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


class LocalSecretsManager(BaseSecretsManager):
    """Secrets in an encrypted file on this machine (component flavor ``local``)."""

    @property
    def secrets_file(self) -> Path:
        configured = getattr(self.component, "secrets_file", None)
        return Path(configured) if configured else default_secrets_file(self.component.name)

    @property
    def key_file(self) -> Path:
        configured = getattr(self.component, "key_file", None)
        return Path(configured) if configured else default_key_file()

    # --- key -----------------------------------------------------------------------------------

    def _fernet(self, *, create: bool) -> tuple[Any, str]:
        """The Fernet for the key and where the key came from."""
        try:
            from cryptography.fernet import Fernet
        except ImportError as error:  # pragma: no cover - installed with zenml-airflow
            raise SecretsManagerError(
                "The local secrets manager needs `cryptography`: pip install 'zenml-airflow'"
            ) from error
        env_key = os.environ.get(KEY_ENV)
        if env_key:
            source = f"${KEY_ENV}"
            key = env_key.strip().encode("ascii", "replace")
        else:
            path = self.key_file
            source = f"key file {path}"
            if not path.exists():
                if not create:
                    raise SecretsManagerError(
                        f"{self.subject} cannot read {self.secrets_file}: its {source} is missing. "
                        f"Restore the key file or set ${KEY_ENV} to the key the secrets were "
                        "written with."
                    )
                self._create_key_file(path)
            key = path.read_bytes().strip()
        try:
            return Fernet(key), source
        except ValueError:
            raise SecretsManagerError(
                f"The secrets key in {source} is not a Fernet key (32 url-safe base64-encoded "
                "bytes). Generate one with `zenml-airflow secret generate-key`."
            ) from None

    @staticmethod
    def _create_key_file(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            # O_EXCL: two processes creating the key at once must not end up with different keys.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(generate_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    # --- file ----------------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        path = self.secrets_file
        try:
            token = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise SecretsManagerError(f"{self.subject} cannot read {path}: {error}") from error
        from cryptography.fernet import InvalidToken

        fernet, source = self._fernet(create=False)
        try:
            plain = fernet.decrypt(token)
        except InvalidToken:
            raise SecretsManagerError(
                f"{self.subject} cannot decrypt {path} with the key from {source}: it is not the key "
                f"the secrets were written with (or the file was altered). Use the original key "
                f"(${KEY_ENV} or the key file)."
            ) from None
        data = json.loads(plain)
        if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
            raise SecretsManagerError(
                f"{path} is not a version-{FILE_VERSION} secrets file of zenml-airflow."
            )
        secrets: dict[str, Any] = data.get("secrets", {})
        return secrets

    def _write(self, secrets: dict[str, Any]) -> None:
        fernet, _ = self._fernet(create=True)
        plain = json.dumps({"version": FILE_VERSION, "secrets": secrets}, sort_keys=True)
        try:
            _write_private(self.secrets_file, fernet.encrypt(plain.encode("utf-8")))
        except OSError as error:
            raise SecretsManagerError(
                f"{self.subject} cannot write {self.secrets_file}: {error}"
            ) from error

    @contextlib.contextmanager
    def _locked(self) -> Any:
        self.secrets_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with file_lock(self.secrets_file):
            yield

    # --- API -----------------------------------------------------------------------------------

    def register_secret(self, secret: BaseSecretSchema) -> None:
        with self._locked():
            secrets = self._read()
            if secret.name in secrets:
                raise SecretExistsError(
                    f"A secret named '{secret.name}' already exists in {self.label}. Update it "
                    "with `zenml-airflow secret update` or choose another name."
                )
            secrets[secret.name] = secret_to_record(secret)
            self._write(secrets)

    def get_secret(self, secret_name: str) -> BaseSecretSchema:
        secrets = self._read()
        if secret_name not in secrets:
            raise self._missing(secret_name, list(secrets))
        return secret_from_record(secret_name, secrets[secret_name], str(self.secrets_file))

    def get_all_secret_keys(self) -> list[str]:
        return sorted(self._read())

    def update_secret(self, secret: BaseSecretSchema) -> None:
        with self._locked():
            secrets = self._read()
            if secret.name not in secrets:
                raise self._missing(secret.name, list(secrets))
            secrets[secret.name] = secret_to_record(secret)
            self._write(secrets)

    def delete_secret(self, secret_name: str) -> None:
        with self._locked():
            secrets = self._read()
            if secret_name not in secrets:
                raise self._missing(secret_name, list(secrets))
            del secrets[secret_name]
            self._write(secrets)

    def delete_all_secrets(self, force: bool = False) -> None:
        self._refuse_unforced(force)
        with self._locked():
            self._write({})
