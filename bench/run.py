#!/usr/bin/env python3
"""Runs every benchmark scenario with every contender and writes bench/results.md.

Started by bench/run.sh (which installs what is missing and builds the release binaries);
`run.py --report` writes results.md again from the last full run's raw figures. The work is
done by the package next to this file (bench/dtbench/); see bench/README.md for the
contenders, the scenarios and the knobs. Python 3 standard library only.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dtbench.main import main  # noqa: E402

if __name__ == "__main__":
    main()
