"""Digitizes an ECG page and prints each lead's extent and mean amplitude.

Usage: python3 digitize.py PAGE.png
"""

import sys

import numpy as np

import ecgdig


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        leads = ecgdig.digitize(argv[1])
    except ecgdig.Error as e:
        print(f"error ({e.status}): {e}", file=sys.stderr)
        return 1
    print(f"ecgdig {ecgdig.version()}: {argv[1]}, {len(leads)} leads")
    for name, mv in leads.items():
        shown = np.isfinite(mv)
        first = int(np.argmax(shown)) if shown.any() else -1
        print(f"{name:4s} {shown.sum():5d} of {mv.size} samples from index {first}, "
              f"peak-to-peak {np.nanmax(mv) - np.nanmin(mv):.2f} mV" if shown.any() else f"{name:4s} not on the page")
    try:
        ecgdig.digitize("/nonexistent/page.png")
        print("a missing file was not reported", file=sys.stderr)
        return 1
    except ecgdig.Error as e:
        print(f"missing file reported as status {e.status}: {e}")
    return 0 if all(np.isfinite(mv).any() for mv in leads.values()) and len(leads) == 12 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
