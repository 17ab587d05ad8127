"""Re-serialise COINr's ASEM example (iData, iMeta) from the raw export for the parity tests.

Reads ``$IDEOPOLIS_SHARED_DATA/coinr-asem/asem_i{Data,Meta}.csv`` (COINr's datasets exported to CSV) and writes
the two tables with pandas (every value kept: floats are written with the shortest text that reads back to the
same number, missing cells empty), so the tests run in CI without the raw files. Run from the repository root:

    uv run python tests/data/coinr-asem/rebuild.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RAW = Path(os.environ.get("IDEOPOLIS_SHARED_DATA", HERE.parents[3] / "shared" / "data")) / "coinr-asem"


def main() -> None:
    for name in ("asem_iData.csv", "asem_iMeta.csv"):
        table = pd.read_csv(RAW / name, dtype={"uCode": str, "iCode": str}, keep_default_na=True)
        table.to_csv(HERE / name, index=False, lineterminator="\n")
        back = pd.read_csv(HERE / name, dtype={"uCode": str, "iCode": str})
        pd.testing.assert_frame_equal(back, table)  # nothing lost in the re-serialisation
        print(f"wrote {HERE / name} ({len(table)} rows, {table.shape[1]} columns)")


if __name__ == "__main__":
    main()
