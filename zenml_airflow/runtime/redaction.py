"""Mask secret values in everything a step prints or logs, before it leaves the task process.

Airflow masks registered secrets only where its supervisor writes the task log. With the
LocalExecutor the supervisor also copies each line the task process prints or logs, raw, to its
own stdout - the scheduler's log (``scheduler.log`` of ``zenml-airflow stack up``). So while a step
runs, :func:`redacted_output` routes its output through Airflow's secrets masker (the one
``mask_secret`` registers values with) in the task process itself:

- ``sys.stdout`` / ``sys.stderr``: whole lines are redacted (a value written in pieces is still
  found); a partial line is written on ``flush``;
- stdlib ``logging``: a filter on the root logger's handlers redacts message, arguments and the
  exception;
- structlog (Airflow's own logger): a processor redacts each event dict;
- an exception leaving the step has its arguments (and those of its cause/context) redacted, so
  the failure Airflow logs afterwards shows ``***`` too.

Everything is put back on exit, also on error. Output written straight to file descriptor 1/2
(by a child process or C code) does not pass through Python and is not masked.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Callable, Iterator, MutableSequence
from typing import Any, TextIO

Redactor = Callable[[Any], Any]


def _airflow_redact() -> Redactor:
    from airflow.sdk.log import redact  # the masker that airflow.sdk.log.mask_secret fills

    return redact


class RedactingStream(io.TextIOBase):
    """A text stream that writes whole lines, redacted, to ``target``.

    Text is held until its line ends so that a secret written in several pieces is masked too;
    ``flush`` writes a held partial line (redacted as it is).
    """

    def __init__(self, target: TextIO, redact: Redactor) -> None:
        super().__init__()
        self.target = target
        self._redact = redact
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.target, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        data = self._pending + text
        end = max(data.rfind("\n"), data.rfind("\r")) + 1
        self._pending = data[end:]
        if end:
            self.target.write(str(self._redact(data[:end])))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self.target.write(str(self._redact(pending)))
        self.target.flush()

    def close(self) -> None:
        # Closing the wrapper must not close the process's real stdout/stderr.
        self.flush()


class RedactingFilter(logging.Filter):
    """Redacts a log record's message, arguments and exception in place."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return True
        record.msg = str(self._redact(message))
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            redact_exception(record.exc_info[1], self._redact)
            record.exc_text = None  # a cached formatting would hold the raw text
        return True


def redact_exception(error: BaseException, redact: Redactor) -> None:
    """Redact the arguments of ``error`` and of every exception it was raised from, in place."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        with contextlib.suppress(AttributeError, TypeError):  # C extensions' may refuse
            current.args = tuple(redact(arg) for arg in current.args)
        todo += [current.__cause__, current.__context__]


def _structlog_processors() -> MutableSequence[Any] | None:
    """The processor list structlog's loggers share (also cached ones), if structlog is in use."""
    structlog = sys.modules.get("structlog")
    if structlog is None:
        return None
    processors = structlog.get_config().get("processors")
    return processors if isinstance(processors, list) else None


@contextlib.contextmanager
def redacted_output(redact: Redactor | None = None) -> Iterator[None]:
    """Mask registered secret values in all output of the ``with`` block (see module docstring).

    ``redact`` defaults to Airflow's secrets masker; values registered with it while the block runs
    are masked from then on.
    """
    redact = redact or _airflow_redact()
    stdout, stderr = sys.stdout, sys.stderr
    handlers = list(logging.getLogger().handlers)
    log_filter = RedactingFilter(redact)

    def structlog_redact(_logger: Any, _method: str, event_dict: Any) -> Any:
        return redact(event_dict)

    processors = _structlog_processors()
    wrappers = (RedactingStream(stdout, redact), RedactingStream(stderr, redact))
    try:
        sys.stdout, sys.stderr = wrappers
        for handler in handlers:
            handler.addFilter(log_filter)
        if processors is not None:
            # In place, before the renderer: loggers cache this very list.
            processors.insert(max(len(processors) - 1, 0), structlog_redact)
        yield
    except BaseException as error:
        redact_exception(error, redact)
        raise
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        for wrapper in wrappers:  # a partial last line
            wrapper.flush()
        for handler in handlers:
            handler.removeFilter(log_filter)
        if processors is not None and structlog_redact in processors:
            processors.remove(structlog_redact)
