"""Run the MNIST-style example twice (the second run comes from the cache) and read it back."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import build  # noqa: E402

from zenml_airflow.repository import Repository  # noqa: E402


def main() -> None:
    build(epochs=1).run()
    build(epochs=1).run()  # same code, data and parameters: every step is cached

    runs = Repository().get_pipeline("mnist_pipeline").runs
    latest = runs[-1]
    accuracy = latest.get_step("evaluator").output.read()
    print(f"\n{len(runs)} runs of mnist_pipeline; latest '{latest.name}' is {latest.status.value}.")
    for step in latest.steps:
        print(f"  {step.name:<11} {step.status.value:<9} outputs: {', '.join(step.outputs)}")
    print(f"Test accuracy: {accuracy:.3f}")
    if latest.status.value != "completed" or accuracy < 0.8:
        raise SystemExit("The demo pipeline did not reach the expected accuracy.")


if __name__ == "__main__":
    main()
