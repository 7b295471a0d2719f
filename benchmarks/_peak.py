"""Fresh `python -m scalecalc` processes: their peak memory (the child's maximum resident set, from getrusage), their
CPU time, and the bytecode they run with."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile

# Run the command as a grandchild so that RUSAGE_CHILDREN of this small wrapper is that command's alone.
_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[2:], stdin=open(sys.argv[1]) if sys.argv[1] else None, "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_mib(args: list[str], stdin_path: str = "") -> tuple[int, float]:
    """(exit code, peak resident MiB) of ``python -m scalecalc *args``, BLAS pinned to one thread."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-c", _WRAPPER, stdin_path, sys.executable, "-m", "scalecalc", *args]
    code, kib = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout.split()
    return int(code), int(kib) / 1024


def cpu_seconds(args: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> float:
    """User + system CPU seconds of ``python -m scalecalc *args`` in a fresh process. ``python -m`` puts the
    working directory before PYTHONPATH on the path: give ``cwd`` outside any checkout to choose one by PYTHONPATH."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "scalecalc", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})},
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def with_installed_bytecode() -> None:
    """Let fresh processes run from .pyc files, as an installed copy does (pip writes them on install), even in a
    checkout under PYTHONDONTWRITEBYTECODE=1, which would compile scalecalc's source on every run (about 0.35x of
    the start-up ratio). The first run writes them, under a temporary PYTHONPYCACHEPREFIX."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", tempfile.mkdtemp(prefix="scalecalc-pyc-"))
