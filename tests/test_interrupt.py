"""Ctrl-C in a real process: a long `simulate` sent SIGINT exits 130 with one `error:` line and no traceback.

The sweep is handed over through a named pipe: opening it for writing blocks until scalecalc opens it for
reading, which it does inside the command. Once the open returns, the process is past its imports and inside
the command's error handling, so the signal is sent at a known point rather than after a guessed delay.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes and POSIX signals")

SWEEP = "params,tokens,flops\n" + "".join(
    f"{n:.6g},{c / (6 * n):.6g},{c:g}\n" for c in (1e18, 1e19, 1e20) for n in (3e7, 6e7, 1.2e8, 2.4e8, 4.8e8)
)


def _open_when_read(pipe: Path, process: subprocess.Popen, timeout: float = 60) -> int:
    """Open the pipe for writing once the process has opened it for reading (ENXIO until then); fail rather
    than hang if the process exits or never gets there."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            descriptor = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "scalecalc never opened the sweep"
            time.sleep(0.01)
            continue
        os.set_blocking(descriptor, True)
        return descriptor


def test_sigint_during_simulate_exits_130_with_one_error_line(tmp_path: Path) -> None:
    pipe = tmp_path / "sweep.csv"
    os.mkfifo(pipe)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCALECALC_", "FORCE_COLOR"))}
    process = subprocess.Popen(
        # 100,000 trials, each fitted with all its starts: hours of work, so the signal always arrives mid-simulation
        [sys.executable, "-m", "scalecalc", "simulate", "--sweep", str(pipe), "--trials", "100000",
         "--fit-mode", "full", "--approach", "fit", "--bootstrap", "0", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, cwd=ROOT,
    )  # fmt: skip
    try:
        with os.fdopen(_open_when_read(pipe, process), "w") as writer:
            writer.write(SWEEP)
        time.sleep(0.5)  # let it start simulating
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["error: interrupted"]


def test_sigint_during_start_up_imports_exits_130_with_one_error_line() -> None:
    """Ctrl-C while numpy is still loading (the interpreter turns it into KeyboardInterrupt wherever it lands):
    the entry point is already running, so it is one line and exit 130, not an import traceback."""
    start = (
        "import builtins, sys\n"
        "real_import = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'numpy':\n"
        "        raise KeyboardInterrupt\n"
        "    return real_import(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
        "sys.argv = ['scalecalc', 'plan', '--flops', '1e20']\n"
        "from scalecalc.cli import main\n"
        "main()\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCALECALC_", "FORCE_COLOR"))}
    done = subprocess.run(
        [sys.executable, "-c", start], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=60
    )
    assert done.returncode == 130, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == ["error: interrupted"]


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["fit", "--help"]])
def test_help_and_version_into_a_closed_pipe_exit_0_quietly(args: list[str]) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCALECALC_", "FORCE_COLOR"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "scalecalc", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment, cwd=ROOT,
    )  # fmt: skip
    process.stdout.close()  # the reader is gone before the help is written
    with process.stderr:
        stderr = process.stderr.read()
    process.wait(timeout=60)
    assert process.returncode == 0, stderr
    assert stderr == b""
