"""``stack up``'s component logs are private: the state dir 0700, every log 0600 (issue 14, security 2).

The logs hold everything Airflow's processes print, which can include a task's output that
Airflow's task log masks. ``LocalAirflow.up`` creates the state dir and opens every log through
``prepare_state_dir`` and ``open_log``; a real ``stack up`` is checked in
``tests/airflow/test_secrets_e2e.py``.
"""

from __future__ import annotations

import stat
from pathlib import Path

from zenml_airflow.orchestrators.airflow_local import LocalAirflow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_state_dir_is_0700_and_logs_are_0600_even_under_a_permissive_umask(
    tmp_path: Path,
) -> None:
    import os

    airflow = LocalAirflow(tmp_path / "home", tmp_path / "dags")
    old = os.umask(0o000)
    try:
        state = airflow.prepare_state_dir()
        with airflow.open_log(state / "scheduler.log") as log:
            log.write(b"first\n")
        with airflow.open_log(state / "db-migrate.log", append=False) as log:
            log.write(b"migrated\n")
    finally:
        os.umask(old)
    assert mode(state) == 0o700
    assert mode(state / "scheduler.log") == 0o600 and mode(state / "db-migrate.log") == 0o600


def test_logs_and_state_dir_left_readable_by_an_older_version_are_made_private(
    tmp_path: Path,
) -> None:
    airflow = LocalAirflow(tmp_path / "home", tmp_path / "dags")
    airflow.state_dir.mkdir(parents=True)
    airflow.state_dir.chmod(0o755)
    old_log = airflow.state_dir / "api-server.log"
    old_log.write_bytes(b"old line\n")
    old_log.chmod(0o644)
    airflow.prepare_state_dir()
    with airflow.open_log(old_log) as log:
        log.write(b"new line\n")
    assert mode(airflow.state_dir) == 0o700 and mode(old_log) == 0o600
    assert old_log.read_bytes() == b"old line\nnew line\n", "appended, not truncated"
    with airflow.open_log(old_log, append=False) as log:
        log.write(b"fresh\n")
    assert old_log.read_bytes() == b"fresh\n"
