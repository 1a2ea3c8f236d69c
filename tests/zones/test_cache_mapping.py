"""Cached indexes are mapped from their files, not read into memory: the same arrays as
numpy.load gives, read-only, whatever their type (strings, integers, floats, bytes)."""

from __future__ import annotations

import numpy as np
import pytest

from safezone.adapters.geodata.cache import cached_arrays, mapped_arrays


def test_mapped_arrays_are_numpys_own(tmp_path):
    arrays = {
        "names": np.array(["Kharkiv", "Sumy", "Tëtkino", ""]),
        "ids": np.arange(4, dtype=np.int64) * 10**12,
        "lat": np.array([50.0, 50.9, 51.3, np.nan]),
        "blob": np.frombuffer(b"\x01\x02\x03", np.uint8),
        "grid": np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
        "flag": np.array([True, False]),
        "none": np.array([], dtype=np.int64),
    }
    path = tmp_path / "index.npz"
    np.savez(path, **arrays)
    found = mapped_arrays(path)
    with np.load(path) as data:
        assert found.keys() == set(data.files)
        for key in data.files:
            assert found[key].dtype == data[key].dtype and found[key].shape == data[key].shape, key
            assert np.array_equal(found[key], data[key], equal_nan=found[key].dtype.kind == "f"), key
    with pytest.raises(ValueError):
        found["names"][0] = "changed"


def test_compressed_members_are_read_as_usual(tmp_path):
    path = tmp_path / "packed.npz"
    np.savez_compressed(path, ids=np.arange(1000), names=np.array(["a", "bb"]))
    found = mapped_arrays(path)
    assert np.array_equal(found["ids"], np.arange(1000)) and found["names"].tolist() == ["a", "bb"]


def test_a_cache_written_once_is_read_back_mapped(tmp_path):
    built = []

    def build():
        built.append(1)
        return {"ids": np.arange(5), "names": np.array(["x", "y"])}

    first = cached_arrays(tmp_path / "c.npz", build)
    again = cached_arrays(tmp_path / "c.npz", build)
    assert built == [1] and np.array_equal(first["ids"], again["ids"]) and again["names"].tolist() == ["x", "y"]
