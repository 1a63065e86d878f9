"""The README's example runs as a user would run it: a script, a fresh config, twice (cached)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "zenml_airflow" / "examples" / "mnist" / "run.py"


def test_mnist_example_trains_caches_and_reads_back(tmp_path: Path) -> None:
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(tmp_path / "cfg")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "2 runs of mnist_pipeline" in out
    assert "is completed" in out
    for step in ("importer", "normalizer", "trainer", "evaluator"):
        assert f"{step}" in out
    # the second run comes entirely from the cache
    assert "0 ran, 4 cached" in result.stderr
    accuracy = float(out.rsplit("Test accuracy:", 1)[1].strip())
    assert 0.8 < accuracy <= 1.0
    # artifacts are stored as native files under the default profile's artifact store
    arrays = list((tmp_path / "cfg").rglob("*.npy"))
    assert arrays, "numpy outputs are stored as .npy files"
