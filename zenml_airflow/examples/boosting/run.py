"""Run the boosting example twice (the second run comes from the cache) and read it back."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import build  # noqa: E402

from zenml_airflow.repository import Repository  # noqa: E402


def main() -> None:
    build().run()
    build().run()  # same code, data and parameters: every step is cached

    runs = Repository().get_pipeline("boosting_pipeline").runs
    latest = runs[-1]
    result = latest.get_step("compare").outputs
    winner = result["winner"].read()
    xgb_accuracy = result["xgboost_accuracy"].read()
    lgb_accuracy = result["lightgbm_accuracy"].read()
    print(
        f"\n{len(runs)} runs of boosting_pipeline; latest '{latest.name}' is {latest.status.value}."
    )
    for step in latest.steps:
        print(f"  {step.name:<19} {step.status.value}")
    print(f"XGBoost accuracy:  {xgb_accuracy:.3f}")
    print(f"LightGBM accuracy: {lgb_accuracy:.3f}")
    print(f"Winner: {winner}")

    model = latest.get_step(f"{winner}_trainer").output.read()
    print(f"The winning model reads back as a fitted {type(model).__name__}.")
    if latest.status.value != "completed" or min(xgb_accuracy, lgb_accuracy) < 0.9:
        raise SystemExit("The example pipeline did not reach the expected accuracy.")


if __name__ == "__main__":
    main()
