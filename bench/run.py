"""Run benchmarks and write bench/REPORT.md and bench/results/<area>.json.

python -m bench.run                    # every area
python -m bench.run http_throughput    # some areas
"""

from __future__ import annotations

import importlib
import json
import sys
from datetime import UTC, datetime

from bench.common import BENCH, RESULTS, machine
from bench.report import render

AREAS = ["http_throughput", "lighthouse", "staff_search", "newsletter", "load", "faults"]


def main(argv: list[str]) -> None:
    """Run the named areas (all by default), save their JSON, and rewrite the report."""
    RESULTS.mkdir(exist_ok=True)
    for area in argv or AREAS:
        print(f"running {area} ...", flush=True)
        result = importlib.import_module(f"bench.{area}").run()
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        result["machine"] = machine()
        (RESULTS / f"{area}.json").write_text(json.dumps(result, indent=2) + "\n")
    results = [
        json.loads((RESULTS / f"{area}.json").read_text())
        for area in AREAS
        if (RESULTS / f"{area}.json").exists()
    ]
    (BENCH / "REPORT.md").write_text(render(results))
    print(f"wrote {BENCH / 'REPORT.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
