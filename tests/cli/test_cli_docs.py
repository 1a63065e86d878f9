"""The walk-through in docs/cli.md and the Python example in docs/configuration.md run as shown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from cli_helpers import ok, ok_json

ROOT = Path(__file__).resolve().parents[2]


def test_cli_walkthrough_commands_run(airflow_available: None) -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = re.search(r"## From nothing to a custom stack.*?```bash\n(.*?)```", text, flags=re.S)
    assert block is not None
    script = block.group(1).replace("\\\n", " ")
    commands = [line.split("#")[0].strip() for line in script.splitlines()]
    commands = [c for c in commands if c.startswith("zenml-airflow ")]
    assert len(commands) >= 6
    for command in commands:
        ok(*shlex.split(command)[1:])
    described = ok_json("stack", "describe")
    assert described["name"] == "team"
    assert described["components"]["artifact_store"]["config"]["path"] == str(
        Path.cwd() / "data" / "artifacts"
    )


def test_configuration_python_example_runs() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    exec(compile(example, "configuration.md", "exec"), {})
    assert ok_json("stack", "get")["stack"] == "archival"
