"""The local secrets manager: encrypted at rest, private files, wrong keys, concurrent writers."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from tests.secrets.conftest import make_local
from zenml_airflow.secrets import SecretsManagerError, build_secret
from zenml_airflow.secrets.local import KEY_ENV, generate_key


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


def test_values_are_encrypted_at_rest_in_private_files(tmp_path: Path) -> None:
    manager = make_local(tmp_path)
    manager.register_secret(build_secret("db", None, {"password": "plain-text-needle"}))
    data_file, key_file = Path(manager.secrets_file), Path(manager.key_file)
    assert b"plain-text-needle" not in data_file.read_bytes()
    assert b"password" not in data_file.read_bytes(), "key names are encrypted too"
    assert stat.S_IMODE(data_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_file.parent.stat().st_mode) == 0o700
    assert key_file.parent != data_file.parent, "the key is kept apart from the data"
    assert key_file.read_text().strip().encode() not in data_file.read_bytes()


def test_wrong_key_is_a_clear_error_not_garbage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = make_local(tmp_path)
    manager.register_secret(build_secret("db", None, {"password": "x"}))
    monkeypatch.setenv(KEY_ENV, generate_key())
    other = make_local(tmp_path)
    with pytest.raises(
        SecretsManagerError,
        match=(
            r"Secrets manager 'local_secrets' \(flavor 'local'\) cannot decrypt .*local_secrets.secrets "
            r"with the key from \$ZENML_AIRFLOW_SECRETS_KEY: it is not the key the secrets were written with"
        ),
    ):
        other.get_secret("db")
    with pytest.raises(SecretsManagerError, match="cannot decrypt"):
        other.register_secret(build_secret("new", None, {"v": "1"}))
    monkeypatch.delenv(KEY_ENV)
    assert make_local(tmp_path).get_secret("db").content == {"password": "x"}, (
        "nothing was overwritten"
    )


def test_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, generate_key())
    manager = make_local(tmp_path)
    manager.register_secret(build_secret("db", None, {"password": "x"}))
    assert not Path(manager.key_file).exists(), "no key file is written when the key is in the env"
    assert make_local(tmp_path).get_secret("db").content == {"password": "x"}


def test_malformed_key_and_missing_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = make_local(tmp_path)
    manager.register_secret(build_secret("db", None, {"password": "x"}))
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(
        SecretsManagerError,
        match=r"The secrets key in \$ZENML_AIRFLOW_SECRETS_KEY "
        "is not a Fernet key",
    ):
        make_local(tmp_path).get_secret("db")
    monkeypatch.delenv(KEY_ENV)
    Path(manager.key_file).unlink()
    with pytest.raises(SecretsManagerError, match="its key file .*secrets.key is missing"):
        make_local(tmp_path).get_secret("db")


def _writer(tmp_path: Path, worker: int, count: int) -> None:
    manager = make_local(tmp_path)
    for index in range(count):
        manager.register_secret(
            build_secret(f"w{worker}-{index}", None, {"v": f"{worker}:{index}"})
        )


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(tmp_path, w, 15)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    manager = make_local(tmp_path)
    names = manager.get_all_secret_keys()
    assert len(names) == 60
    assert manager.get_secret("w3-14").content == {"v": "3:14"}
    assert not list(Path(manager.secrets_file).parent.glob("*.tmp")), "no temporary file left"
