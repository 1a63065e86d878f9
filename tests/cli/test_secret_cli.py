"""``secret register`` / ``secret update``: the seed's ``-k KEY -v VALUE`` form next to
``--KEY=VALUE`` pairs, never a silent mis-store, and asking for values only on a terminal.

The terminal tests run the real command in a child process whose standard input is a
pseudo-terminal, answering its prompts as a person would.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import fails, invoke, ok, ok_json


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZENML_AIRFLOW_SECRETS_KEY", raising=False)


@pytest.fixture
def vault(isolated_config: Path) -> Path:
    ok("secrets-manager", "register", "vault", "-f", "local")
    ok(
        "stack",
        "register",
        "sec",
        "-o",
        "default",
        "-m",
        "default",
        "-a",
        "default",
        "-x",
        "vault",
        "--set",
    )
    return isolated_config


def content(name: str) -> dict[str, str]:
    data: dict[str, str] = ok_json("secret", "get", name, "--reveal")["content"]
    return data


def usage_error(*args: str, input: str | None = None) -> str:
    """A command refused as a usage error (exit status 2); its message on one line."""
    result = invoke(*args, input=input)
    assert result.exit_code == 2, f"{args} exited {result.exit_code}: {result.output}"
    assert "Traceback" not in result.output
    message = result.stderr.split("Error: ", 1)[1]
    return " ".join(message.split())


# --- the seed's form -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pair",
    [
        ["-k", "token", "-v", "abc-123"],
        ["--key", "token", "--value", "abc-123"],
        ["--key=token", "--value=abc-123"],
        ["-ktoken", "-vabc-123"],
    ],
)
def test_register_with_the_seeds_key_and_value_options(vault: Path, pair: list[str]) -> None:
    out = ok("secret", "register", "api", *pair)
    assert "Registered secret 'api' (schema 'arbitrary', keys: token)" in out
    assert content("api") == {"token": "abc-123"}


def test_key_and_value_options_never_store_keys_called_key_and_value(vault: Path) -> None:
    ok("secret", "register", "api", "--key", "token", "--value", "v1")
    assert "key" not in content("api") and "value" not in content("api")
    # A key literally named 'key' or 'value' is given as the -k of a pair.
    ok("secret", "register", "odd", "-k", "key", "-v", "k1", "-k", "value", "-v", "v1")
    assert content("odd") == {"key": "k1", "value": "v1"}


def test_pairs_repeat_and_fill_a_schema(vault: Path) -> None:
    ok(
        "secret",
        "register",
        "aws_creds",
        "-s",
        "aws",
        "-k",
        "aws_access_key_id",
        "-v",
        "AKIA",
        "-k",
        "aws_secret_access_key",
        "-v",
        "s3cr3t",
    )
    assert content("aws_creds") == {"aws_access_key_id": "AKIA", "aws_secret_access_key": "s3cr3t"}


def test_the_08_form_still_works(vault: Path) -> None:
    ok("secret", "register", "db", "-s", "database", "--username=u", "--password", "pw-1")
    assert content("db") == {"username": "u", "password": "pw-1"}
    ok("secret", "register", "api", "--api-key=x")  # dashes become underscores, as documented
    assert content("api") == {"api_key": "x"}


# --- ambiguous or incomplete input is refused, naming the fix --------------------------------


def test_a_key_without_a_value_is_refused_with_the_way_to_store_a_key_named_key(
    vault: Path,
) -> None:
    message = usage_error("secret", "register", "api", "--key=k1")
    assert message == (
        "-k/--key 'k1' has no -v/--value: write -k k1 -v VALUE (to store a key named 'key', write "
        "-k key -v VALUE; -i asks for the value instead)."
    )
    assert usage_error("secret", "register", "api", "-v", "lonely") == (
        "-v/--value 'lonely' has no -k/--key: write -k KEY -v VALUE (to store a key named "
        "'value', write -k value -v VALUE)."
    )
    assert usage_error("secret", "register", "api", "-k", "a", "-v", "1", "-v", "2").startswith(
        "-v/--value '2' has no -k/--key"
    )
    assert ok_json("secret", "list") == []


def test_mixing_the_two_forms_is_refused(vault: Path) -> None:
    assert usage_error("secret", "register", "api", "-k", "a", "-v", "1", "--b=2") == (
        "Give the values of secret 'api' either as -k KEY -v VALUE (the 0.7 form) or --KEY=VALUE "
        "pairs, not both (got -k/-v and --b)."
    )
    ok("secret", "register", "api", "--a=1")
    assert usage_error("secret", "update", "api", "--a=2", "-k", "b", "-v", "3").startswith(
        "Give the values of secret 'api' either as"
    )
    assert content("api") == {"a": "1"}


def test_values_that_would_be_stored_wrong_are_refused(vault: Path) -> None:
    assert usage_error("secret", "register", "x", "--password") == (
        "Option --password has no value: write --password=VALUE."
    )
    assert usage_error("secret", "register", "x", "-k", "a", "-k", "a", "-v", "1", "-v", "2") == (
        "Key 'a' is given twice."
    )
    assert usage_error("secret", "register", "x", "--=v") == (
        "Invalid option '--=v': expected --key=value."
    )
    assert usage_error("secret", "register", "x", "stray") == (
        "Unexpected argument 'stray': give the secret's values as -k KEY -v VALUE (the 0.7 "
        "form) or --KEY=VALUE pairs."
    )
    assert fails("secret", "register", "x", "--password=") == (
        "Key 'password' has an empty value (an unset shell variable?): give a value, or leave "
        "the key out."
    )
    assert fails("secret", "register", "x", "-k", "name", "-v", "n") == (
        "A secret cannot have a key named 'name' (it is the secret's own name): choose another "
        "key name."
    )
    assert fails("secret", "register", "x", "--arbitrary_kv_pairs=1").startswith(
        "A secret cannot have a key named 'arbitrary_kv_pairs'"
    )
    assert ok_json("secret", "list") == []


def test_at_reads_a_file_and_double_at_is_a_literal_at(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text("from-file\n")
    ok(
        "secret",
        "register",
        "api",
        "-k",
        "token",
        "-v",
        f"@{tmp_path / 'token.txt'}",
        "-k",
        "handle",
        "-v",
        "@@me",
    )
    assert content("api") == {"token": "from-file", "handle": "@me"}
    assert fails("secret", "register", "b", "-k", "handle", "-v", "@nope").startswith(
        "Cannot read the value of key 'handle' from nope: No such file or directory (write @@... "
        "for a value that starts with '@')."
    )


# --- update ----------------------------------------------------------------------------------


def test_update_with_the_seeds_form(vault: Path) -> None:
    ok("secret", "register", "db", "-s", "database", "--username=u", "--password=old")
    out = ok("secret", "update", "db", "-k", "password", "-v", "new")
    assert "Updated secret 'db': changed password." in out
    assert content("db") == {"username": "u", "password": "new"}
    ok("secret", "update", "db", "--key=username", "--value=v")
    assert content("db") == {"username": "v", "password": "new"}
    assert "Updated secret 'db': nothing changed." in ok(
        "secret", "update", "db", "-k", "username", "-v", "v"
    )
    assert usage_error("secret", "update", "db", "--key=password").startswith(
        "-k/--key 'password' has no -v/--value"
    )


def test_update_asks_for_every_key_from_piped_input_with_i(vault: Path) -> None:
    ok("secret", "register", "db", "-s", "database", "--username=u", "--password=old")
    # username: Enter keeps it; password: new; the optional TLS keys: Enter skips them.
    out = ok("secret", "update", "db", "-i", input="\nnew\n\n\n\n")
    assert "Updated secret 'db': changed password." in out
    assert content("db") == {"username": "u", "password": "new"}
    ok("secret", "register", "api", "--a=1", "--b=2")
    # a: Enter keeps it, b: Enter drops it (--replace); then a new key c.
    ok("secret", "update", "api", "-i", "--replace", input="\n\nc\n3\n\n")
    assert content("api") == {"c": "3"}


def test_update_without_values_and_without_a_terminal_says_how(vault: Path) -> None:
    ok("secret", "register", "api", "--a=1")
    assert usage_error("secret", "update", "api") == (
        "Nothing to update in secret 'api': give -k KEY -v VALUE (the 0.7 form) or --KEY=VALUE "
        "pairs, --schema, or -i to read new values from standard input (it is not a terminal, "
        "so nothing was asked)."
    )


# --- asking: only on a terminal, unless -i ----------------------------------------------------


def test_without_values_and_without_a_terminal_register_fails_at_once(vault: Path) -> None:
    assert fails("secret", "register", "api") == (
        "Secret 'api' has no values: give -k KEY -v VALUE (the 0.7 form) or --KEY=VALUE pairs, "
        "or -i to read them from standard input (it is not a terminal, so nothing was asked)."
    )
    # The real command with no standard input at all: an error, not a wait for input.
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "zenml_airflow.cli.main", "secret", "register", "api"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Secret 'api' has no values" in result.stderr
    assert time.monotonic() - started < 60


def test_i_reads_key_names_and_values_from_piped_input(vault: Path) -> None:
    ok("secret", "register", "api", "-i", input="key\nk1\ntoken\nt1\n\n")
    assert content("api") == {"key": "k1", "token": "t1"}  # a typed key name is taken as it is
    ok("secret", "register", "api2", "-i", "-k", "token", input="t2\n")  # -k without -v: asked
    assert content("api2") == {"token": "t2"}
    ok("secret", "register", "api3", "-i", "-k", "a", "-v", "1", input="b\n2\n")  # and more keys
    assert content("api3") == {"a": "1", "b": "2"}


def test_i_fails_clearly_when_input_ends_before_a_value(vault: Path) -> None:
    result = invoke("secret", "register", "creds", "-s", "aws", "-i", input="AKIA\n")
    assert result.exit_code == 1, result.output
    # the prompts of piped input go to stderr, before the one error line
    assert result.stderr.splitlines()[-1] == (
        "Error: No value for the required key 'aws_secret_access_key' of secret 'creds' (an "
        "empty line, or standard input ended): nothing was stored."
    )
    assert ok_json("secret", "list") == []


def test_asking_refuses_an_existing_name_before_anything_is_typed(vault: Path) -> None:
    ok("secret", "register", "api", "--a=1")
    result = invoke("secret", "register", "api", "-i", input="b\n2\n\n")
    assert result.exit_code == 1 and "key: " not in result.stderr  # nothing was asked
    assert result.stderr.strip() == (
        "Error: A secret named 'api' already exists in secrets manager 'vault' (flavor 'local'): "
        "change it with `zenml-airflow secret update api`."
    )


def in_terminal(
    args: list[str], answers: list[tuple[str, str]], timeout: float = 90
) -> tuple[int, str]:
    """Run ``zenml-airflow ARGS`` with a pseudo-terminal as its standard input and output; each
    time the output shows the next expected prompt, type its answer. Return the exit status and
    everything the terminal showed."""
    main_fd, child_fd = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "zenml_airflow.cli.main", *args],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        start_new_session=True,  # no controlling terminal but the pseudo-terminal's fds
    )
    os.close(child_fd)
    shown = b""
    seen = 0
    deadline = time.monotonic() + timeout
    pending = list(answers)

    try:
        while True:
            if pending and pending[0][0].encode() in shown[seen:]:
                expected, answer = pending.pop(0)
                seen = shown.index(expected.encode(), seen) + len(expected)
                os.write(main_fd, answer.encode() + b"\r")
                continue
            remaining = deadline - time.monotonic()
            assert remaining > 0, "timed out; it showed:\n" + shown.decode(errors="replace")
            ready, _, _ = select.select([main_fd], [], [], min(remaining, 1.0))
            if not ready:
                continue
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        status = process.wait(timeout=30)
    finally:
        os.close(main_fd)
        if process.poll() is None:
            process.kill()
            process.wait()
    text = shown.decode(errors="replace").replace("\r\n", "\n")
    assert not pending, f"never asked for {pending[0][0]!r}; the terminal showed:\n{text}"
    return status, text


def test_on_a_terminal_register_without_values_asks_as_the_seed_did(vault: Path) -> None:
    status, shown = in_terminal(
        ["secret", "register", "api"],
        [
            ("key:", "key"),
            ("value of key:", "k-secret"),
            ("key:", "token"),
            ("value of token:", "t-secret"),
            ("key:", ""),
        ],
    )
    assert status == 0, shown
    assert "Registered secret 'api' (schema 'arbitrary', keys: key, token)" in shown
    assert "k-secret" not in shown and "t-secret" not in shown  # typed values are not echoed
    assert content("api") == {"key": "k-secret", "token": "t-secret"}


def test_on_a_terminal_a_schemas_missing_keys_and_a_lone_k_are_asked(vault: Path) -> None:
    status, shown = in_terminal(
        ["secret", "register", "creds", "-s", "aws", "-k", "aws_access_key_id", "-v", "AKIA"],
        [
            ("aws_secret_access_key:", "s3cr3t"),
            ("aws_session_token (optional, Enter to skip):", ""),
        ],
    )
    assert status == 0, shown
    assert content("creds") == {"aws_access_key_id": "AKIA", "aws_secret_access_key": "s3cr3t"}
    status, shown = in_terminal(
        ["secret", "register", "api", "-k", "token"], [("value of token:", "hidden-1")]
    )
    assert status == 0, shown
    assert "hidden-1" not in shown
    assert content("api") == {"token": "hidden-1"}


def test_on_a_terminal_update_without_values_asks_for_each_key(vault: Path) -> None:
    ok("secret", "register", "api", "--a=1", "--b=2")
    status, shown = in_terminal(
        ["secret", "update", "api"],
        [
            ("new value of a (Enter keeps the current value):", ""),
            ("new value of b (Enter keeps the current value):", "22"),
            ("key:", ""),
        ],
    )
    assert status == 0, shown
    assert "Updated secret 'api': changed b." in shown
    assert content("api") == {"a": "1", "b": "22"}


# --- cleanup (the seed's command) ------------------------------------------------------------


def test_cleanup_deletes_every_secret_after_confirmation(vault: Path) -> None:
    ok("secret", "register", "a", "--x=1")
    ok("secret", "register", "b", "--x=2")
    assert usage_error("secret", "cleanup") == (
        "Not deleting every secret of secrets manager 'vault' without a confirmation, and "
        "standard input is not a terminal to ask: add --yes."
    )
    assert ok_json("secret", "list") == ["a", "b"]
    assert "Deleted every secret of secrets manager 'vault'." in ok("secret", "cleanup", "-f")
    assert ok_json("secret", "list") == []
    ok("secret", "register", "c", "--x=3")
    status, shown = in_terminal(["secret", "cleanup"], [("[y/N]:", "y")])
    assert status == 0, shown
    assert ok_json("secret", "list") == []
