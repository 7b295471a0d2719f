"""Writes that cannot lose data (issue 12): every file goes through scalecalc._files.write_atomically, so a
failure at any point (an exception, a full disk, SIGKILL) leaves the old file byte-identical, a failed new
file is not left behind empty, and options are checked before anything is written."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scalecalc._files import check_target, write_atomically
from scalecalc.errors import InputError
from tests.conftest import ROOT, error_line, invoke, run

RUNS = str(ROOT / "examples" / "chinchilla-epoch-points.csv")
OLD = b"name: my-old-law\n# the user's own preset, which must survive\n" * 50


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "law.yaml"
    path.write_bytes(OLD)
    return path


def test_replaces_content_and_keeps_the_old_mode(old_file: Path) -> None:
    old_file.chmod(0o640)
    write_atomically(str(old_file), b"new\n")
    assert old_file.read_bytes() == b"new\n"
    assert old_file.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in old_file.parent.iterdir()) == ["law.yaml"]


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomically(str(tmp_path / "new.yaml"), b"x")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.yaml").stat().st_mode & 0o777 == 0o644


def _fail_with(name: str, monkeypatch: pytest.MonkeyPatch, after: int = 0) -> None:
    """Make os.<name> raise ENOSPC (after ``after`` successful calls), as a full disk would."""
    real = getattr(os, name)
    calls = {"n": 0}

    def full(*args):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)

    monkeypatch.setattr(os, name, full)


@pytest.mark.parametrize(("call", "after"), [("write", 0), ("write", 1), ("fsync", 0), ("replace", 0)])
def test_a_full_disk_leaves_the_old_file_and_no_temporary(
    old_file: Path, monkeypatch: pytest.MonkeyPatch, call: str, after: int
) -> None:
    monkeypatch.setattr("scalecalc._files.CHUNK", 64)  # several writes, so the disk can fill mid-file
    _fail_with(call, monkeypatch, after)
    with pytest.raises(InputError, match="cannot write .*law.yaml: No space left on device"):
        write_atomically(str(old_file), b"y" * 1000)
    monkeypatch.undo()
    assert old_file.read_bytes() == OLD
    assert sorted(p.name for p in old_file.parent.iterdir()) == ["law.yaml"]


def test_a_failed_new_file_is_not_left_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_with("fsync", monkeypatch)
    with pytest.raises(InputError):
        write_atomically(str(tmp_path / "new.yaml"), b"content")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_cli_save_on_a_full_disk_keeps_the_users_preset(runner, old_file: Path, monkeypatch) -> None:
    _fail_with("fsync", monkeypatch)
    result = invoke(runner, ["fit", RUNS, "--save", str(old_file), "--force", "--format", "json"])
    monkeypatch.undo()
    assert error_line(result).startswith("error: --save: cannot write")
    assert old_file.read_bytes() == OLD
    assert sorted(p.name for p in old_file.parent.iterdir()) == ["law.yaml"]


def test_cli_plot_file_on_a_full_disk_keeps_the_old_figure(runner, tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    figure = tmp_path / "frontier.svg"
    figure.write_bytes(OLD)
    _fail_with("fsync", monkeypatch)
    result = invoke(runner, ["plot", "frontier", "-p", "chinchilla", "--plot-file", str(figure), "--force"])
    monkeypatch.undo()
    assert error_line(result).startswith("error: --plot-file: cannot write")
    assert figure.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frontier.svg"]


@pytest.mark.parametrize(
    "options",
    [["-f", "nonesuch"], ["--format", "garbage"], ["--plot-file", "x.jpg"]],
    ids=["field", "format", "plot-file"],
)
@pytest.mark.parametrize("command", ["fit", "isoflop"])
def test_bad_options_fail_before_anything_is_written(runner, tmp_path: Path, options, command) -> None:
    data = RUNS if command == "fit" else str(ROOT / "examples" / "llama3-isoflops.csv")
    extra = ["--bootstrap", "0"] if command == "isoflop" else []
    result = invoke(runner, [command, data, "--save", str(tmp_path / "x.yaml"), *extra, *options])
    assert result.exit_code == 2 and result.stdout == "", result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_dangling_symlink_is_refused(runner, tmp_path: Path) -> None:
    link = tmp_path / "law.yaml"
    link.symlink_to(tmp_path / "elsewhere" / "nowhere.yaml")
    for force in ([], ["--force"]):
        line = error_line(invoke(runner, ["fit", RUNS, "--save", str(link), *force]))
        assert line.startswith("error: --save: ") and "symbolic link" in line and "does not exist" in line
    assert link.is_symlink() and not (tmp_path / "elsewhere").exists()
    dangling_figure = tmp_path / "g.svg"
    dangling_figure.symlink_to(tmp_path / "gone.svg")
    line = error_line(invoke(runner, ["plot", "frontier", "--plot-file", str(dangling_figure), "--force"]))
    assert line.startswith("error: --plot-file: ") and "symbolic link" in line
    assert not (tmp_path / "gone.svg").exists()


def test_a_live_symlink_is_followed_and_kept(runner, tmp_path: Path) -> None:
    real = tmp_path / "presets" / "law.yaml"
    real.parent.mkdir()
    real.write_bytes(OLD)
    link = tmp_path / "law.yaml"
    link.symlink_to(real)
    error_line(invoke(runner, ["fit", RUNS, "--save", str(link)]))  # still needs --force
    run(runner, ["fit", RUNS, "--save", str(link), "--force", "-f", "alpha"])
    assert link.is_symlink() and "\nname: law\n" in real.read_text()
    assert sorted(p.name for p in real.parent.iterdir()) == ["law.yaml"]


def test_a_directory_or_device_is_no_target(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        check_target(str(tmp_path), replace=True)
    with pytest.raises(InputError, match="not a regular file"):
        check_target(os.devnull, replace=True)
    with pytest.raises(InputError, match="directory .* does not exist"):
        check_target(str(tmp_path / "no" / "x.yaml"), replace=True)


# A real writer killed mid-write: os.write is slowed so that SIGKILL lands while the new content is half out.
SLOW_WRITER = """
import os, sys, time
real_write, marker = os.write, sys.argv[1]
def slow_write(fd, data):
    if fd <= 2:
        return real_write(fd, data)
    written = real_write(fd, bytes(data[:16]))
    open(marker, "w").close()
    time.sleep(60)
    return written
os.write = slow_write
from scalecalc.cli import app
app(sys.argv[2:], prog_name="scalecalc")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["fit", RUNS, "--save", "{target}", "--force"],
        ["plot", "frontier", "-p", "chinchilla", "--plot-file", "{target}", "--force"],
    ],
    ids=["fit-save", "plot-file"],
)
def test_sigkill_mid_write_leaves_the_old_file_byte_identical(tmp_path: Path, args: list[str]) -> None:
    if "plot" in args:
        pytest.importorskip("matplotlib")
    target = tmp_path / ("law.yaml" if "fit" in args else "frontier.pdf")
    target.write_bytes(OLD)
    marker = tmp_path.parent / f"{tmp_path.name}-writing"
    argv = [a.replace("{target}", str(target)) for a in args]
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(marker), *argv],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    # SIGKILL allows no clean-up: at most the hidden, half-written temporary remains beside the old file
    others = [p.name for p in tmp_path.iterdir() if p != target]
    assert len(others) == 1, others  # the kill landed mid-write
    assert all(name.startswith(f".{target.name}.") and name.endswith(".tmp") for name in others), others
