"""Writing a file so that no failure loses the one it replaces: the one writer behind every file scalecalc writes.

The new content goes to a temporary file in the target's own directory (a rename is atomic only within one file
system), is flushed and fsynced, and only then takes the target's name with ``os.replace``. A failure at any
point before that (an exception, a full disk, SIGKILL) leaves the old file byte-identical; the rename itself
is atomic, so a reader sees the old file or the new one, never a mix. The temporary file is a hidden
``.NAME.XXXXXXXX.tmp`` beside the target, removed on any failure the process survives; only SIGKILL (or a
power cut) between its creation and the rename can leave it behind, and the old file is intact then too.
(An anonymous ``O_TMPFILE`` would avoid even that, but naming it needs ``linkat`` through /proc, which
sandboxes and some file systems refuse with EXDEV; one code path that always works was preferred.)

A live symbolic link is followed (the file it points to is replaced and the link kept); a dangling link is
refused, since writing through it would create a file somewhere the user did not name.
"""

from __future__ import annotations

import os
import secrets
import stat

from scalecalc.errors import InputError

CHUNK = 1 << 20  # bytes per os.write: a partial write is retried from where it stopped


def check_target(path: str, *, replace: bool) -> None:
    """Refuse a target that cannot be written safely: a dangling link, a directory or device, a missing
    directory, or an existing file unless ``replace``. Errors name the parameter ``path``."""
    if os.path.islink(path) and not os.path.exists(path):
        raise InputError(
            f"{path} is a symbolic link to {os.readlink(path)}, which does not exist; remove the link or give "
            "another name",
            param="path",
        )
    if os.path.exists(path):
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"{path} exists and is not a regular file; give a file name", param="path")
        if not replace:
            raise InputError(f"{path} already exists; choose another name or add --force to replace it", param="path")
    directory = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(directory):
        raise InputError(f"directory {os.path.dirname(path) or '.'} does not exist", param="path")


def write_atomically(path: str, data: bytes) -> None:
    """Replace (or create) ``path`` with ``data`` so that a failure leaves the old file as it was and no
    temporary file behind. Follows a live symbolic link; callers check the target with :func:`check_target`."""
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else None
    try:
        temporary = _temporary_name(directory, name)
        # A new file gets 0o666 less the umask, as open() would give it; a replacement keeps the old mode.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        try:
            if mode is not None:
                os.fchmod(fd, mode)  # the umask may have cleared bits the old file had
            _write_all(fd, data)
            os.fsync(fd)
            os.replace(temporary, target)
        except BaseException:  # KeyboardInterrupt too: no stray temporary file
            _remove(temporary)
            raise
        finally:
            os.close(fd)
        _sync_directory(directory)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}", param="path") from None


def _temporary_name(directory: str, name: str) -> str:
    return os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:CHUNK])
        view = view[written:]


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_directory(directory: str) -> None:
    """Make the rename durable; some file systems cannot fsync a directory, and the file is in place anyway."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
