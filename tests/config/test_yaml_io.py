from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from zenml_airflow.config import yaml_io
from zenml_airflow.config.yaml_io import file_lock, load_model, read_yaml, write_yaml
from zenml_airflow.exceptions import ConfigError


@pytest.fixture
def files(tmp_path: Path) -> Path:
    # The autouse fixture puts a working directory in tmp_path; keep these files apart from it.
    directory = tmp_path / "files"
    directory.mkdir()
    return directory


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = 0


def test_write_then_read_round_trips(files: Path) -> None:
    path = files / "sub" / "file.yaml"
    write_yaml(path, {"a": 1, "b": ["x", "y"]})
    assert read_yaml(path) == {"a": 1, "b": ["x", "y"]}


def test_atomic_write_leaves_no_temp_files(files: Path) -> None:
    path = files / "file.yaml"
    for value in range(3):
        write_yaml(path, {"value": value})
    assert sorted(p.name for p in files.iterdir()) == ["file.yaml"]


def test_failing_write_keeps_old_file_and_cleans_up(files: Path) -> None:
    path = files / "file.yaml"
    write_yaml(path, {"value": "old"})

    class Unserialisable:
        pass

    with pytest.raises(yaml.YAMLError):
        write_yaml(path, {"value": Unserialisable()})
    assert read_yaml(path) == {"value": "old"}
    assert sorted(p.name for p in files.iterdir()) == ["file.yaml"]


def test_failure_during_replace_keeps_old_file(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = files / "file.yaml"
    write_yaml(path, {"value": "old"})

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("zenml_airflow.config.yaml_io.os.replace", broken_replace)
    with pytest.raises(ConfigError, match=r"Cannot write config file .*file\.yaml: disk full"):
        write_yaml(path, {"value": "new"})
    monkeypatch.undo()
    assert read_yaml(path) == {"value": "old"}
    assert sorted(p.name for p in files.iterdir()) == ["file.yaml"]


def test_bad_yaml_is_a_config_error_naming_the_file(files: Path) -> None:
    path = files / "broken.yaml"
    path.write_text("a: [1, 2\nb: }\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml is not valid YAML") as info:
        read_yaml(path)
    assert "line" in str(info.value)


def test_wrong_shape_names_file_and_field(files: Path) -> None:
    path = files / "shape.yaml"
    path.write_text("count: many\n")
    with pytest.raises(ConfigError, match=r"shape\.yaml is invalid: count: Input should be"):
        load_model(path, _Shape)


def test_top_level_must_be_a_mapping(files: Path) -> None:
    path = files / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match=r"list\.yaml must contain a mapping.*found list"):
        load_model(path, _Shape)


def test_empty_file_loads_defaults(files: Path) -> None:
    path = files / "empty.yaml"
    path.write_text("")
    assert load_model(path, _Shape) == _Shape()


def test_file_lock_is_reentrant_in_one_thread(files: Path) -> None:
    path = files / "file.yaml"
    with file_lock(path), file_lock(path):
        write_yaml(path, {"count": 1})
    assert read_yaml(path) == {"count": 1}


def _increment(path_text: str, times: int) -> None:
    path = Path(path_text)
    for _ in range(times):
        with file_lock(path):
            data = load_model(path, _Shape)
            write_yaml(path, {"count": data.count + 1})


def test_concurrent_read_modify_write_loses_no_update(files: Path) -> None:
    path = files / "counter.yaml"
    write_yaml(path, {"count": 0})
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_increment, args=(str(path), 25)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert load_model(path, _Shape).count == 100


def test_an_edit_in_place_is_seen_at_once(files: Path) -> None:
    # Same inode, same size, written within the timestamp granularity of the first version:
    # the parsed-file cache must not serve the old content.
    path = files / "config.yaml"
    path.write_text("name: aaaa\n")
    assert read_yaml(path) == {"name": "aaaa"}
    with open(path, "r+") as handle:
        handle.write("name: bbbb\n")
    assert read_yaml(path) == {"name": "bbbb"}


def test_an_old_file_is_parsed_once_and_a_change_is_still_seen(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = files / "config.yaml"
    path.write_text("name: aaaa\n")
    old = time.time() - 60
    os.utime(path, (old, old))  # older than the racy window: cacheable (mtime; ctime is now)
    monkeypatch.setattr(yaml_io, "_RACY_NS", -(10**12))  # so that ctime, too, counts as old
    parsed: list[str] = []
    real_load = yaml_io.yaml.load
    monkeypatch.setattr(
        yaml_io.yaml, "load", lambda *a, **k: parsed.append("x") or real_load(*a, **k)
    )
    first = read_yaml(path)
    first["name"] = "mutated by the caller"
    assert read_yaml(path) == {"name": "aaaa"}  # a copy each time; parsed only once
    assert parsed == ["x"]
    with open(path, "r+") as handle:
        handle.write("name: bbbb\n")
    assert read_yaml(path) == {"name": "bbbb"}
    assert parsed == ["x", "x"]
