"""``stack import`` of a corrupt file speaks of a stack export, never with the config files'
advice to delete the file and start again from the defaults (issue 14, "weak messages")."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import fails, ok

AGAIN = "Export the stack again with `zenml-airflow stack export NAME FILE`."


def test_invalid_yaml(tmp_path: Path) -> None:
    export = tmp_path / "stack.yaml"
    export.write_text("name: [broken\n")
    message = fails("stack", "import", str(export))
    assert message.startswith(f"{export} is not a stack export: it is not valid YAML ("), message
    assert message.endswith(AGAIN)
    assert "defaults" not in message and "Config file" not in message


def test_not_utf8(tmp_path: Path) -> None:
    export = tmp_path / "stack.yaml"
    export.write_bytes(b"\xff\xfe\x00name")
    message = fails("stack", "import", str(export))
    assert message == (
        f"{export} is not a stack export: it is not UTF-8 text (invalid start byte at byte 0). {AGAIN}"
    )


def test_a_good_export_still_imports(tmp_path: Path) -> None:
    export = tmp_path / "stack.yaml"
    ok("stack", "export", "default", str(export))
    assert "already registered identically" in ok("stack", "import", str(export))
