"""Indexes made once from the packaged data sets and kept in the user's cache folder
(`SAFEZONE_CACHE`, else the platform's): reading them back costs milliseconds where parsing
the sources costs seconds, or an import of a heavy library."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
from platformdirs import user_cache_dir


def cache_file(name: str) -> Path:
    return Path(os.environ.get("SAFEZONE_CACHE") or user_cache_dir("safezone")) / name


def cached_arrays(path: Path, build: Callable[[], dict[str, np.ndarray]],
                  progress: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
    """The arrays kept at `path`, or `build()`'s, written there first (atomically: a reader
    never sees half a file, and two first runs at once both end with a whole one)."""
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    if progress:
        progress()
    arrays = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
        np.savez(handle, **arrays)
    os.replace(handle.name, path)
    return arrays
