"""The seed's ``BaseStepOperator``: a step operator written as one class with a ``launch()``.

Seed-era code builds its own step operator like this, and it runs here unchanged (with
``zenml.`` replaced by ``zenml_airflow.`` in the imports)::

    from typing import ClassVar, List
    from zenml_airflow.step_operators import BaseStepOperator

    class MyStepOperator(BaseStepOperator):
        FLAVOR: ClassVar[str] = "my_cluster"
        queue: str = "gpu"

        def launch(self, pipeline_name: str, run_name: str, requirements: List[str],
                   entrypoint_command: List[str]) -> None:
            submit_and_wait(self.queue, requirements, entrypoint_command)  # raises on failure

The class is a stack component (its fields are the flavor's configuration) and registers as a
flavor by entry point (group ``zenml_airflow.flavors``) like any other; ``@step(
custom_step_operator=NAME)`` then sends a step to it. ``launch()`` is called with the pipeline's
name, the run's name, the pip requirements of the step's environment (zenml-airflow's own version,
the pipeline's integrations and its ``requirements``, pinned to the versions installed here when
they fit) and the command that runs the step: ``python -m zenml_airflow.execution.entrypoint
--launch-json DOCUMENT``. It must run that command where the step should run, with that
environment's ``python`` and the pipeline's code importable (the spec names the compiling
machine's source roots; ``ZENML_AIRFLOW_SOURCE_ROOT_MAP=OLD=NEW`` maps them), and return when it
has finished, raising if it failed - as the seed asked. The step's results and lineage are
written by the command itself; the step run must be completed when ``launch()`` returns,
otherwise the step fails saying so.

What happens around ``launch()`` is the same as for the built-in flavors: the cache is checked
first (a cached step never calls ``launch()``), the step run is started and, on failure, settled
as failed with the error (see :mod:`zenml_airflow.step_operators.seed`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from zenml_airflow.stack.components.step_operator import StepOperatorComponent


class BaseStepOperator(StepOperatorComponent, ABC):
    """Base class of step operators written the seed's way: subclass it, set ``FLAVOR``, declare
    the configuration as fields and implement :meth:`launch`."""

    IMPLEMENTATION: ClassVar[str | None] = "zenml_airflow.step_operators.seed:SeedStepOperator"

    @abstractmethod
    def launch(
        self,
        pipeline_name: str,
        run_name: str,
        requirements: list[str],
        entrypoint_command: list[str],
    ) -> None:
        """Run ``entrypoint_command`` (one step) synchronously in an environment holding
        ``requirements``; raise if it fails.

        Args:
            pipeline_name: the pipeline the step belongs to.
            run_name: the pipeline run the step belongs to.
            requirements: pip requirements the step's environment needs.
            entrypoint_command: the command that runs the step and records its results.
        """


__all__ = ["BaseStepOperator"]
