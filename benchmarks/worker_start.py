"""What a new web worker of `safezone serve --workers N` does before it can answer uvicorn's
health check, and in all before it serves (CPU seconds, this machine).

uvicorn spawns each worker (a new interpreter; uvicorn/_subprocess.py: the "spawn" context), and
multiprocessing's spawn first runs the parent's script again as `__mp_main__` (for the installed
`safezone` command, its console script). Only then does uvicorn start the thread that answers
its supervisor's ping (uvicorn/supervisors/multiprocess.py, Process.target), and then the worker
imports and assembles the app (Config.load, our web.factory). Measured in fresh interpreters:

- before the health check, now: the script run again (`safezone.entrypoints.cli`, commands
  imported when one runs);
- before the health check, as before: the same and every command's module, which the script
  imported up front until now (the baseline, in the same run);
- the whole start's imports: the script and the web app (`web.factory`), the same either way.

    python benchmarks/worker_start.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
# What pip writes for the `safezone` console script (pyproject: safezone.entrypoints.cli:main).
SCRIPT = "import sys\nfrom safezone.entrypoints.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
RERUN = "import runpy; runpy.run_path({script!r}, run_name='__mp_main__')"
ALL_COMMANDS = ("; import importlib; from safezone.entrypoints.cli import COMMANDS; "
                "[importlib.import_module(target.split(':')[0]) for target in COMMANDS.values()]")
APP = "; import safezone.entrypoints.web.factory"


def cpu_of(code: str) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of a fresh interpreter running `code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-B", "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "safezone"
        script.write_text(SCRIPT)
        rerun = RERUN.format(script=str(script))
        cases = {"before the health check, now": rerun,
                 "before the health check, as before": rerun + ALL_COMMANDS,
                 "the whole start's imports": rerun + APP}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        wall: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):  # interleaved, so a burst of load on the machine hits all alike
            for name, code in cases.items():
                seconds, took = cpu_of(code)
                cpu[name].append(seconds)
                wall[name].append(took)
    print(f"{'':36} {'CPU s (median)':>15} {'range':>13} {'wall s (median)':>16}")
    for name in cases:
        print(f"{name:36} {statistics.median(cpu[name]):15.3f} "
              f"{min(cpu[name]):6.3f}-{max(cpu[name]):.3f} {statistics.median(wall[name]):16.3f}")
    now, before = (statistics.median(cpu[name]) for name in list(cases)[:2])
    print(f"before the health check: {before / now:.1f}x less CPU now ({now:.3f} s against {before:.3f} s); "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
