"""Secret values are masked in everything a step prints or logs (issue 14, security 2), with
Airflow's real secrets masker."""

from __future__ import annotations

import io
import logging
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from zenml_airflow.runtime.redaction import RedactingStream, redact_exception, redacted_output


def _secret() -> str:
    from airflow.sdk.log import mask_secret

    value = f"sk-{uuid.uuid4().hex}"
    mask_secret(value)
    return value


def test_printed_secret_is_masked_also_when_written_in_pieces(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = _secret()
    with redacted_output():
        print(f"calling the API with key {secret}")
        sys.stdout.write(secret[:7])
        sys.stdout.write(secret[7:] + " done\n")
        print("partial", secret, end="")  # no newline: written when the block ends
    assert capsys.readouterr().out == "calling the API with key ***\n*** done\npartial ***"


def test_stderr_is_masked_and_both_streams_are_restored(capsys: pytest.CaptureFixture[str]) -> None:
    secret = _secret()
    out, err = sys.stdout, sys.stderr
    with redacted_output():
        assert isinstance(sys.stdout, RedactingStream) and isinstance(sys.stderr, RedactingStream)
        print(f"oops {secret}", file=sys.stderr)
    assert sys.stdout is out and sys.stderr is err
    assert capsys.readouterr().err == "oops ***\n"


def test_a_value_registered_inside_the_block_is_masked_from_then_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with redacted_output():
        secret = _secret()
        print(secret)
    assert capsys.readouterr().out == "***\n"


def test_streams_and_log_filter_are_restored_when_the_block_fails() -> None:
    handler = logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    out = sys.stdout
    try:
        with pytest.raises(RuntimeError, match="step failed"), redacted_output():
            assert handler.filters
            raise RuntimeError("step failed")
        assert sys.stdout is out
        assert handler.filters == []
    finally:
        root.removeHandler(handler)


def test_logged_secret_is_masked_in_message_args_and_exception() -> None:
    secret = _secret()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    logger = logging.getLogger("weather")
    try:
        with redacted_output():
            logger.warning("using api key %s", secret)
            try:
                raise ValueError(f"rejected key {secret}")
            except ValueError:
                logger.exception("the call failed")
        logger.warning("after the block: %s", "unmasked text")
    finally:
        root.removeHandler(handler)
    text = buffer.getvalue()
    assert "using api key ***" in text
    assert "ValueError: rejected key ***" in text
    assert "after the block: unmasked text" in text
    assert secret not in text


@pytest.fixture
def structlog_to_buffer() -> Iterator[io.StringIO]:
    """structlog configured (as Airflow does) to render to a buffer, with cached loggers."""
    saved = structlog.get_config()
    buffer = io.StringIO()
    structlog.configure(
        processors=[structlog.processors.KeyValueRenderer(key_order=["event"])],
        logger_factory=structlog.PrintLoggerFactory(buffer),
        cache_logger_on_first_use=True,
    )
    try:
        yield buffer
    finally:
        structlog.configure(**saved)


def test_structlog_events_are_masked_also_by_loggers_cached_before(
    structlog_to_buffer: io.StringIO,
) -> None:
    secret = _secret()
    log: Any = structlog.get_logger()
    log.info("before")  # assembles and caches the logger
    with redacted_output():
        log.info("token", value=secret)
    log.info("after", value="plain")
    lines = structlog_to_buffer.getvalue().splitlines()
    assert lines == ["event='before'", "event='token' value='***'", "event='after' value='plain'"]


def test_an_exception_leaving_the_block_is_redacted_with_its_cause() -> None:
    secret = _secret()
    with pytest.raises(RuntimeError) as raised, redacted_output():
        try:
            raise KeyError(f"no access for {secret}")
        except KeyError as error:
            raise RuntimeError(f"request with {secret} failed", 401) from error
    assert raised.value.args == ("request with *** failed", 401)
    assert raised.value.__cause__ is not None
    assert raised.value.__cause__.args == ("no access for ***",)


def test_redact_exception_stops_at_cycles() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    redact_exception(first, lambda value: f"<{value}>")
    assert first.args == ("<a>",) and second.args == ("<b>",)


def test_writing_bytes_is_refused_as_by_a_text_stream() -> None:
    stream = RedactingStream(io.StringIO(), lambda value: value)
    with pytest.raises(TypeError, match="write\\(\\) argument must be str, not bytes"):
        stream.write(b"raw")  # type: ignore[arg-type]
