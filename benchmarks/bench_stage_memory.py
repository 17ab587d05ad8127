"""Where a command's memory and system time go: peak resident set, page faults and system seconds per stage.

Run: ``uv run python benchmarks/bench_stage_memory.py hotspots --regions PATH --permutations 999
--max-permutations 999`` (any ``ideopolis`` command line). The command runs in this process while a thread
samples, every ``--every`` seconds (default 0.1), the resident set (``VmRSS`` of ``/proc/self/status``), the
minor page faults and system CPU seconds (``/proc/self/stat`` fields 10 and 15) and the ideopolis frames of the
main thread. Each sample is charged to a stage by the outermost ideopolis function it is in (``load`` while
``regions/`` reads and checks the files, ``score`` inside ``index/``, ``weights`` inside ``spatial/weights.py``,
``test`` in the rest of ``spatial/``, ``output`` after); the table gives, per stage, its wall seconds, its
peak resident set, and the page faults and system seconds it added. Linux only (``/proc``).

Why: ``/usr/bin/time -v`` gives one peak and one system time for the whole run. On the 1M synthetic set the
system time (8-9 s of ~85 CPU s) is page faults of freshly touched memory (about 950,000 minor faults); this
table says which stage touches it (loading the files about 40 %), and which stage holds the peak.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from types import FrameType

STAGES = (
    ("regions/", "load"),
    ("index/", "score"),
    ("spatial/weights.py", "weights"),
    ("spatial/", "test"),
)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _faults_and_system() -> tuple[int, float]:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[7]), int(fields[12]) / 100  # minflt; stime in clock ticks (USER_HZ = 100)


def _stage(frame: FrameType | None, main_started: bool) -> str:
    names = []
    while frame is not None:
        name = frame.f_code.co_filename
        if "/ideopolis/" in name and frame.f_code.co_name != "<module>":  # importing a module is not its stage
            names.append(name.split("/ideopolis/", 1)[1])
        frame = frame.f_back
    for name in reversed(names):  # outermost first: scoring called from hotspots is "score"
        for prefix, stage in STAGES:
            if name.startswith(prefix):
                return stage
    return "output" if main_started else "import"


def main() -> None:
    """Run the command and print the stage table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.1, help="Seconds between samples.")
    args, command = parser.parse_known_args()
    main_id = threading.get_ident()
    samples: list[tuple[float, str, float, int, float]] = []
    seen: set[str] = set()
    done = threading.Event()

    def sample() -> None:
        t0 = time.perf_counter()
        while not done.is_set():
            frame = sys._current_frames().get(main_id)
            stage = _stage(frame, bool(seen))
            if stage != "import":
                seen.add(stage)
            samples.append((time.perf_counter() - t0, stage, _rss_mb(), *_faults_and_system()))
            time.sleep(args.every)

    from ideopolis.cli import main as cli

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    sys.argv = ["ideopolis", *command]
    try:
        cli()
    except SystemExit as exc:
        if exc.code:
            raise
    finally:
        done.set()
        thread.join()
    rows: dict[str, list[float]] = {}
    last = samples[0]
    for s in samples[1:]:
        row = rows.setdefault(s[1], [0.0, 0.0, 0, 0.0])
        row[0] += s[0] - last[0]
        row[1] = max(row[1], s[2])
        row[2] += s[3] - last[3]
        row[3] += s[4] - last[4]
        last = s
    peak = max(samples, key=lambda s: s[2])
    print("| stage | wall s | peak RSS MB | minor faults | system s |\n|---|---:|---:|---:|---:|")
    for stage, (wall, rss, faults, system) in rows.items():
        print(f"| {stage} | {wall:.1f} | {rss:,.0f} | {faults:,.0f} | {system:.2f} |")
    print(f"\npeak {peak[2]:,.0f} MB in stage {peak[1]} at {peak[0]:.1f} s")


if __name__ == "__main__":
    main()
