"""Loggers the seed's way (the seed's ``zenml.logger``)::

    from zenml_airflow.logger import get_logger

    logger = get_logger(__name__)
    logger.info("Training on %d rows", len(rows))

:func:`get_logger` gives a logger that prints to standard output through its own console handler
(added once, however often it is asked for) and does not propagate, as the seed's did. Its level is
read from ``$ZENML_AIRFLOW_LOGGING_VERBOSITY``, else the seed's ``$ZENML_LOGGING_VERBOSITY``, else
``INFO``; under Airflow the task log receives what the step prints.

Importing this module configures nothing: no handler, level or hook changes until a function here
is called. Unlike the seed, messages are not coloured (they end up in Airflow's task log files, where
escape codes are noise) and ``init_logging`` installs no traceback hook.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, TextIO

from zenml_airflow.constants import ENV_ZENML_LOGGING_VERBOSITY
from zenml_airflow.enums import LoggingLevels
from zenml_airflow.exceptions import ConfigError

# The seed's variable: still honoured, after ours, so a seed setup keeps its verbosity.
SEED_LOGGING_VERBOSITY_ENV = "ZENML_LOGGING_VERBOSITY"
DEFAULT_VERBOSITY = "INFO"

_DETAILED_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s (%(filename)s:%(lineno)d)"
_PLAIN_FORMAT = "%(message)s"


def get_logging_level() -> LoggingLevels:
    """The verbosity from the environment (ours, then the seed's variable), ``INFO`` by default.

    Raises:
        ConfigError: if the variable holds something that is not a level name.
    """
    variable, value = next(
        (
            (name, os.environ[name])
            for name in (ENV_ZENML_LOGGING_VERBOSITY, SEED_LOGGING_VERBOSITY_ENV)
            if os.environ.get(name)
        ),
        ("", DEFAULT_VERBOSITY),
    )
    try:
        return LoggingLevels[value.strip().upper()]
    except KeyError:
        names = ", ".join(name for name in LoggingLevels.__members__ if name != "WARNING")
        raise ConfigError(
            f"${variable}={value!r} is not a logging verbosity. Set it to one of {names} (or "
            "unset it for INFO)."
        ) from None


class CustomFormatter(logging.Formatter):
    """The message alone; time, logger, level and source line too when the logger is at DEBUG."""

    def __init__(self) -> None:
        super().__init__(_PLAIN_FORMAT)
        self._detailed = logging.Formatter(_DETAILED_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if logging.getLogger(record.name).getEffectiveLevel() <= logging.DEBUG:
            return self._detailed.format(record)
        return super().format(record)


class _ConsoleHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stdout`` is when a record is emitted (a notebook, pytest's capture
    or a redirected stream replace it after the handler was made)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(CustomFormatter())

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignored: the stream is always the current standard output."""


def get_console_handler() -> logging.Handler:
    """A handler printing to standard output with :class:`CustomFormatter`."""
    return _ConsoleHandler()


def get_logger(logger_name: str) -> logging.Logger:
    """The logger ``logger_name`` at the configured verbosity, printing to standard output.

    Calling it again for the same name returns the same logger without adding another handler;
    the level is read from the environment on every call.
    """
    logger = logging.getLogger(logger_name)
    logger.setLevel(get_logging_level().value)
    if not any(isinstance(handler, _ConsoleHandler) for handler in logger.handlers):
        logger.addHandler(get_console_handler())
    logger.propagate = False
    return logger


def set_root_verbosity() -> None:
    """Set the root logger to the configured verbosity (giving it a stderr handler if it has
    none); ``NOTSET`` turns logging off, as in the seed."""
    level = get_logging_level()
    if level is LoggingLevels.NOTSET:
        logging.disable(logging.CRITICAL)
        return
    logging.disable(logging.NOTSET)
    logging.basicConfig()
    logging.getLogger().setLevel(level.value)


def init_logging() -> None:
    """Set up logging for a script: :func:`set_root_verbosity`. The seed called it when ``zenml``
    was imported; zenml-airflow never configures logging on import, so call it yourself if you
    want the root logger set up."""
    set_root_verbosity()


__all__ = [
    "CustomFormatter",
    "LoggingLevels",
    "get_console_handler",
    "get_logger",
    "get_logging_level",
    "init_logging",
    "set_root_verbosity",
]
