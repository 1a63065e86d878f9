"""``Repository``: the user's entry point to stacks and to past runs (the seed's ``zenml.repository``).

    from zenml_airflow.repository import Repository

    pipeline = Repository().get_pipeline("training")
    accuracy = pipeline.runs[-1].get_step("evaluator").output.read()

A ``Repository`` is cheap to create and does no I/O until asked; the active profile and stack are
resolved on each access (environment > ``.zen/config.yaml`` pin > global config), so switching the
active stack takes effect immediately.
"""

from __future__ import annotations

from pathlib import Path

from zenml_airflow.config.active import ActiveContext, resolve_active
from zenml_airflow.config.repository_config import (
    find_repository,
    initialize_repository,
    is_repository_directory,
    repository_config_path,
)
from zenml_airflow.post_execution import PipelineView
from zenml_airflow.stack.stack import Stack, load_active_stack


class Repository:
    """The repository containing ``root`` (default: searched upward from the working directory).

    Works outside a repository too: then only the global configuration applies.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self._root = Path(root).resolve() if root is not None else find_repository()

    # --- repository folder ---------------------------------------------------------------------

    @staticmethod
    def initialize(root: str | Path | None = None) -> Repository:
        """Create ``.zen/`` in ``root`` (default: the working directory); the seed's ``zenml init``."""
        path = Path(root) if root is not None else Path.cwd()
        initialize_repository(path)
        return Repository(path)

    @staticmethod
    def find_repository(path: str | Path | None = None) -> Path | None:
        return find_repository(Path(path) if path is not None else None)

    @staticmethod
    def is_repository_directory(path: str | Path) -> bool:
        return is_repository_directory(Path(path))

    @property
    def root(self) -> Path | None:
        """The repository's root directory, or ``None`` when not inside one."""
        return self._root

    @property
    def config_directory(self) -> Path | None:
        """The ``.zen`` folder of this repository."""
        return repository_config_path(self._root).parent if self._root is not None else None

    # --- active profile and stack --------------------------------------------------------------

    def _active(self) -> ActiveContext:
        return resolve_active(self._root)

    @property
    def active_profile_name(self) -> str:
        return self._active().profile_name

    @property
    def active_stack_name(self) -> str:
        return self._active().stack_name

    @property
    def active_stack(self) -> Stack:
        """The stack ``p.run()`` uses now."""
        return load_active_stack(self._root)

    def get_stack(self, name: str) -> Stack:
        """A stack of the active profile by name."""
        return Stack.from_profile(self._active().profile, name)

    def _stack(self, stack_name: str | None) -> Stack:
        return self.active_stack if stack_name is None else self.get_stack(stack_name)

    # --- post-execution ------------------------------------------------------------------------

    def get_pipelines(self, stack_name: str | None = None) -> list[PipelineView]:
        """Every pipeline recorded in the given (default: active) stack's metadata store."""
        return self._stack(stack_name).get_pipelines()

    def get_pipeline(self, pipeline_name: str, stack_name: str | None = None) -> PipelineView | None:
        """The named pipeline, or ``None`` if the stack's metadata store has never seen it."""
        return self._stack(stack_name).get_pipeline(pipeline_name)

    def __repr__(self) -> str:
        return f"Repository(root={str(self._root) if self._root else None!r})"
