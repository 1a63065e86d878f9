"""The boosting example runs as a user would run it: its script, a fresh config, twice (the second
run cached); and it is listed by `zenml-airflow example list`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from zenml_airflow.cli.example import discover

EXAMPLE = Path(__file__).resolve().parents[2] / "zenml_airflow" / "examples" / "boosting"


def test_the_boosting_example_trains_compares_and_caches(tmp_path: Path) -> None:
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(tmp_path / "cfg")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "run.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "2 runs of boosting_pipeline" in out and "is completed" in out
    # the first run ran all six steps, the second took every one from the cache
    assert "6 ran, 0 cached" in result.stderr and "0 ran, 6 cached" in result.stderr
    for step in ("importer", "xgboost_trainer", "lightgbm_trainer", "compare"):
        assert re.search(rf"^  {step}\s+cached$", out, re.MULTILINE), out
    xgb = float(re.search(r"XGBoost accuracy:\s+([0-9.]+)", out)[1])  # type: ignore[index]
    lgb = float(re.search(r"LightGBM accuracy:\s+([0-9.]+)", out)[1])  # type: ignore[index]
    assert xgb > 0.9 and lgb > 0.9
    winner = "xgboost" if xgb >= lgb else "lightgbm"
    assert f"Winner: {winner}\n" in out
    expected = {"xgboost": "XGBClassifier", "lightgbm": "LGBMClassifier"}[winner]
    assert f"reads back as a fitted {expected}." in out


def test_the_example_is_listed_with_its_description() -> None:
    example = discover()["boosting"]
    assert example.description.startswith("Compare gradient boosting libraries")
