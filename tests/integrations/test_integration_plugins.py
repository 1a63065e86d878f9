"""Third-party integrations through the ``zenml_airflow.integrations`` entry points.

A real distribution is installed for each test: a ``.dist-info`` folder with ``entry_points.txt``
on ``sys.path`` (what pip leaves behind), next to a tiny library (``widgets``) and the plugin
package that brings its materializer (``zenml_widgets``). Everything runs in a fresh interpreter,
because discovery happens once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LIBRARY = """
class Widget:
    def __init__(self, size: int) -> None:
        self.size = size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Widget) and other.size == self.size
"""

PLUGIN = '''
"""Widgets as JSON documents."""
from zenml_airflow.integrations.integration import Integration


class WidgetsIntegration(Integration):
    """Widgets stored as JSON."""

    NAME = "widgets"
    REQUIREMENTS = ["widgets>=1.0"]
    MATERIALIZERS = {"widgets": "zenml_widgets.materializers"}


class NotAnIntegration:
    pass


class Clash(Integration):
    NAME = "sklearn"
'''

MATERIALIZERS = """
import json
import os

from widgets import Widget
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer


class WidgetMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Widget,)
    FILENAMES = ("widget.json",)

    def handle_input(self, data_type):
        with fileio.open(os.path.join(self.artifact.uri, "widget.json"), "r") as file:
            return Widget(json.load(file)["size"])

    def handle_return(self, data):
        with fileio.open(os.path.join(self.artifact.uri, "widget.json"), "w") as file:
            json.dump({"size": data.size}, file)

    def extract_metadata(self, data):
        return {"size": data.size}
"""


def _dist_info(site: Path, name: str, version: str, entry_points: str = "") -> None:
    folder = site / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    if entry_points:
        (folder / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the ``widgets`` library and the ``zenml-widgets`` plugin, both installed."""
    site = tmp_path / "site"
    (site / "widgets").mkdir(parents=True)
    (site / "widgets" / "__init__.py").write_text(LIBRARY, encoding="utf-8")
    (site / "zenml_widgets").mkdir()
    (site / "zenml_widgets" / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    (site / "zenml_widgets" / "materializers.py").write_text(MATERIALIZERS, encoding="utf-8")
    _dist_info(site, "widgets", "1.2")
    _dist_info(
        site,
        "zenml-widgets",
        "0.3",
        """
        [zenml_airflow.integrations]
        widgets = zenml_widgets:WidgetsIntegration
        broken = zenml_widgets_missing:Nothing
        wrong = zenml_widgets:NotAnIntegration
        sklearn = zenml_widgets:Clash
        """,
    )
    return site


def _python(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-W", "always::RuntimeWarning", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_step_returns_a_plugin_type_and_its_materializer_is_found_through_the_entry_point(
    site: Path,
) -> None:
    result = _python(
        site,
        """
        import json, sys
        from widgets import Widget
        from zenml_airflow import Repository, pipeline, step

        @step
        def make() -> Widget:
            return Widget(7)

        @step
        def grow(widget: Widget) -> Widget:
            return Widget(widget.size + 1)

        @pipeline(required_integrations=["widgets"])
        def widget_pipeline(make, grow):
            grow(make())

        p = widget_pipeline(make=make(), grow=grow())
        p.run(run_name="first")
        run = Repository().get_pipeline("widget_pipeline").get_run("first")
        output = run.get_step("grow").output
        print(json.dumps({
            "size": output.read().size,
            "metadata": output.metadata.get("size"),
            "materializer": output.materializer,
        }))
        """,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {
        "size": 8,
        "metadata": 8,
        "materializer": "zenml_widgets.materializers:WidgetMaterializer",
    }


def test_plugins_are_not_looked_for_until_something_needs_them(site: Path) -> None:
    result = _python(
        site,
        """
        import sys
        from zenml_airflow import pipeline, step
        from zenml_airflow.core import integration_plugins

        @step
        def one() -> int:
            return 1

        @pipeline
        def plain(one):
            one()

        plain(one=one()).run()
        print(integration_plugins._plugins is None, "zenml_widgets" in sys.modules)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "False"]


def test_plugin_integrations_are_listed_checked_and_activated(site: Path) -> None:
    result = _python(
        site,
        """
        import json, sys
        from zenml_airflow.core import integrations as core
        from zenml_airflow.integrations.registry import integration_registry

        info = core.get_integration("widgets")
        core.check_integrations(["widgets"], pipeline_name="p")
        plugin_class = integration_registry.integrations["widgets"]
        before = "zenml_widgets.materializers" in sys.modules
        integration_registry.activate_integrations()
        print(json.dumps({
            "supported": info.supported,
            "requirements": list(info.requirements),
            "source": info.source,
            "class": plugin_class.__module__ + "." + plugin_class.__name__,
            "before": before,
            "after": "zenml_widgets.materializers" in sys.modules,
            "sklearn": core.get_integration("sklearn").source,
            "names": [n for n in core.integration_names() if n in ("broken", "wrong", "widgets")],
        }))
        """,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {
        "supported": True,
        "requirements": ["widgets>=1.0"],
        "source": "zenml-widgets 0.3 (zenml_widgets:WidgetsIntegration)",
        "class": "zenml_widgets.WidgetsIntegration",
        "before": False,
        "after": True,
        "sklearn": "zenml-airflow",
        "names": ["widgets"],
    }
    # Each broken entry point is skipped with a warning that says what is wrong with it.
    assert "Skipping integration plugin zenml-widgets 0.3 (zenml_widgets_missing:Nothing)" in (
        result.stderr
    )
    assert "ModuleNotFoundError" in result.stderr
    assert "(zenml_widgets:NotAnIntegration): TypeError" in result.stderr
    assert "an integration named 'sklearn' already exists" in result.stderr


def test_integration_list_shows_a_plugin_and_where_it_comes_from(site: Path) -> None:
    result = _python(
        site,
        """
        from zenml_airflow.cli.main import cli
        cli(["integration", "list", "--json"], standalone_mode=False)
        """,
    )
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["widgets"]["supported"] is True
    assert rows["widgets"]["installed"] is True
    assert rows["widgets"]["source"] == "zenml-widgets 0.3 (zenml_widgets:WidgetsIntegration)"
    assert rows["xgboost"]["source"] == "zenml-airflow"


def test_a_plugin_whose_library_is_missing_is_reported_with_the_install_command(
    site: Path,
) -> None:
    (site / "widgets-1.2.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: widgets\nVersion: 0.9\n", encoding="utf-8"
    )
    result = _python(
        site,
        """
        from zenml_airflow.core import integrations as core
        try:
            core.check_integrations(["widgets"], pipeline_name="train")
        except core.IntegrationError as error:
            print(error)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "Pipeline 'train' requires integration 'widgets'" in result.stdout
    assert "widgets>=1.0 (version 0.9 installed)" in result.stdout
    assert "pip install 'widgets>=1.0'" in result.stdout
