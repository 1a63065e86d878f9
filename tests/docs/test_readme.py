"""The code in README.md runs as shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_readme_quickstart_has_exactly_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart.*?```bash\n(.*?)```", text, flags=re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_readme_example_runs(tmp_path: Path) -> None:
    blocks = python_blocks(ROOT / "README.md")
    assert blocks, "README.md has a python example"
    script = tmp_path / "readme_example.py"
    script.write_text(blocks[0], encoding="utf-8")
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(tmp_path / "cfg")}
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "(64, 10)"
    assert "0 ran, 2 cached" in result.stderr


def test_getting_started_examples_run(tmp_path: Path) -> None:
    blocks = python_blocks(ROOT / "docs" / "getting-started.md")
    assert len(blocks) >= 2
    script = tmp_path / "getting_started.py"
    # The first pipeline, then reading it back, as the guide shows them in order.
    script.write_text(blocks[0] + "\n" + blocks[1] + "\nprint('read back', step.output.read())\n")
    env = {**os.environ, "ZENML_AIRFLOW_CONFIG_DIR": str(tmp_path / "cfg")}
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "completed 15" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "read back 15"
