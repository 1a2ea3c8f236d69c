"""CAP parse + validate throughput, against plain lxml parsing of the same bytes.

    python benchmarks/cap.py [--seconds 2]

The baseline is what any reader pays anyway (lxml's fromstring); the ratio shows what the
safety checks, the XSD, the model and the standard's rules cost on top.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Callable

from lxml import etree

from safezone.adapters.cap_xml import check, to_xml
from safezone.adapters.cap_xml.safe import load_xml

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "cap" / "samples" / "valid"


def rate(work: Callable[[bytes], object], messages: list[bytes], seconds: float) -> float:
    """Messages per second, cycling through `messages` for about `seconds`."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for data in messages:
            work(data)
        done += len(messages)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    messages = [p.read_bytes() for p in sorted(SAMPLES.glob("*.xml"))]
    results = [check(m) for m in messages]
    assert all(r.ok for r in results), "a sample no longer validates"
    composed = [to_xml(r.alert) for r in results if r.alert is not None]
    sizes = sum(map(len, messages)) / len(messages)
    print(f"{len(messages)} sample messages, {sizes:,.0f} bytes on average")
    plain = rate(etree.fromstring, messages, args.seconds)
    safe = rate(load_xml, messages, args.seconds)
    full = rate(check, messages, args.seconds)
    write = rate(lambda m: to_xml(check(m).alert), messages, args.seconds)
    print(f"  lxml fromstring (baseline):    {plain:10,.0f} msg/s")
    print(f"  safe load:                     {safe:10,.0f} msg/s  ({plain / safe:.1f}x slower)")
    print(f"  parse + validate (XSD, rules): {full:10,.0f} msg/s  ({plain / full:.1f}x slower)")
    print(f"  parse + validate + rewrite:    {write:10,.0f} msg/s  ({plain / write:.1f}x slower)")
    print(f"  rewritten messages still valid: {all(check(c).ok for c in composed)}")


if __name__ == "__main__":
    main()
