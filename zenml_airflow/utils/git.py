"""Which git commit a pipeline's code came from, read from ``.git`` files (no subprocess)."""

from __future__ import annotations

from pathlib import Path


def git_sha_for(path: str | None) -> str | None:
    """The commit checked out in the repository containing ``path``, or ``None``."""
    if not path:
        return None
    try:
        current = Path(path).resolve()
        for directory in (current, *current.parents):
            git_dir = directory / ".git"
            if git_dir.is_file():  # a worktree or submodule: "gitdir: <path>"
                target = git_dir.read_text().strip().removeprefix("gitdir:").strip()
                git_dir = (directory / target).resolve()
            if git_dir.is_dir():
                return _read_head(git_dir)
    except OSError:
        return None
    return None


def _read_head(git_dir: Path) -> str | None:
    head = (git_dir / "HEAD").read_text().strip()
    if not head.startswith("ref:"):
        return head or None
    ref = head.removeprefix("ref:").strip()
    ref_file = git_dir / ref
    if ref_file.is_file():
        return ref_file.read_text().strip() or None
    packed = git_dir / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None  # a branch without commits yet
