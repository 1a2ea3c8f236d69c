"""Indexes made once from the packaged data sets and kept in the user's cache folder
(`SAFEZONE_CACHE`, else the platform's): reading them back costs milliseconds where parsing
the sources costs seconds, or an import of a heavy library."""

from __future__ import annotations

import math
import mmap
import os
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
from platformdirs import user_cache_dir


def cache_file(name: str) -> Path:
    return Path(os.environ.get("SAFEZONE_CACHE") or user_cache_dir("safezone")) / name


def cached_arrays(path: Path, build: Callable[[], dict[str, np.ndarray]],
                  progress: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
    """The arrays kept at `path`, or `build()`'s, written there first (atomically: a reader
    never sees half a file, and two first runs at once both end with a whole one)."""
    if path.exists():
        return mapped_arrays(path)
    if progress:
        progress()
    arrays = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
        np.savez(handle, **arrays)
    os.replace(handle.name, path)
    return arrays

# A mapped array that does not start on its items' alignment (a zip member starts anywhere) is
# copied when smaller than this: a copy of a few MB costs less than unaligned arithmetic on it.
_COPY_BELOW = 8 << 20


def mapped_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed .npz (as np.savez writes it), mapped from the file, not
    read: a load costs no copy, and only the rows a job touches are ever read from disk (the
    settlements' names column alone is 74 MB, of which a build reads a few thousand rows).
    The arrays are read-only; an array stored compressed or holding objects is read as usual."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        whole = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        for member in archive.infolist():
            key = member.filename.removesuffix(".npy")
            found = None if member.compress_type != zipfile.ZIP_STORED else _mapped_member(handle, whole, member)
            if found is None:
                with archive.open(member) as stored:
                    found = np.lib.format.read_array(stored, allow_pickle=False)
            arrays[key] = found
    return arrays


def _mapped_member(handle: BinaryIO, whole: mmap.mmap, member: zipfile.ZipInfo) -> np.ndarray | None:
    """One stored member's array over the mapped file (None for arrays of objects)."""
    handle.seek(member.header_offset + 26)  # the local header's name and extra lengths
    name_length, extra_length = struct.unpack("<HH", handle.read(4))
    handle.seek(member.header_offset + 30 + name_length + extra_length)
    major, _ = np.lib.format.read_magic(handle)
    read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(handle)
    if dtype.hasobject:
        return None
    flat = np.frombuffer(whole, dtype=dtype, count=math.prod(shape), offset=handle.tell())
    if not flat.flags.aligned and flat.nbytes < _COPY_BELOW:  # numeric columns: aligned for speed
        flat = flat.copy()
        flat.flags.writeable = False
    return flat.reshape(shape, order="F" if fortran else "C")
