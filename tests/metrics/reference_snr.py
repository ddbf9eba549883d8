#!/usr/bin/python3
"""Reference values for tests/metrics/test_reference.cpp and test_ptbxl.cpp.

Runs the PhysioNet Challenge 2024 scoring code itself (helper_code.py of
github.com/physionetchallenges/evaluation-2024 at commit 9af7dfb, which is not
part of this repository) on signal pairs defined by formulas that
test_reference.cpp reproduces sample for sample, and prints, per case, the
shift and offset the challenge applies and its SNR in dB.

    git clone https://github.com/physionetchallenges/evaluation-2024 ev
    git -C ev checkout 9af7dfb
    /usr/bin/python3 tests/metrics/reference_snr.py ev [tests/data/ptbxl]

Needs numpy and scipy. helper_code.py imports wfdb only for file I/O, which is
not used here, so a stand-in module is provided when wfdb is not installed.
"""

import importlib
import importlib.util
import sys
import types

import numpy as np


def ecg_like(n, fs):
    """A 75 bpm synthetic ECG in mV (P, QRS, T) over a slow baseline wander."""
    s = np.arange(n, dtype=np.float64) / fs
    ph = np.fmod(s + 0.1, 0.8)
    v = (0.15 * np.exp(-((ph - 0.20) / 0.025) ** 2)
         - 0.10 * np.exp(-((ph - 0.33) / 0.008) ** 2)
         + 1.20 * np.exp(-((ph - 0.35) / 0.010) ** 2)
         - 0.25 * np.exp(-((ph - 0.37) / 0.008) ** 2)
         + 0.30 * np.exp(-((ph - 0.55) / 0.040) ** 2)
         + 0.05 * np.sin(2 * np.pi * 0.3 * s))
    return v.astype(np.float32).astype(np.float64)


def lcg_noise(n, seed, amplitude):
    """Uniform noise in [-amplitude/2, amplitude/2) from a 32-bit LCG."""
    out = np.empty(n)
    state = seed
    for i in range(n):
        state = (state * 1664525 + 1013904223) % 2**32
        out[i] = amplitude * (state / 2**32 - 0.5)
    return out


def shifted(x, k):
    """y[n] = x[n + k], NaN where n + k is outside x."""
    y = np.full(len(x), np.nan)
    if k >= 0:
        y[:len(x) - k] = x[k:]
    else:
        y[-k:] = x[:len(x) + k]
    return y


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def cases():
    fs, n = 500, 5000
    t = ecg_like(n, fs)
    yield 'shift_offset_noise', fs, t, f32(shifted(t, 37) + 0.2 + lcg_noise(n, 1, 0.05))

    part = t.copy()
    part[:1250] = np.nan
    part[2500:] = np.nan
    p = shifted(t, -20) + lcg_noise(n, 2, 0.03) - 0.1
    p[:1200] = np.nan
    p[2600:] = np.nan
    yield 'partial_window', fs, part, f32(p)

    yield 'offset_1p5_mv', fs, t, f32(t + 1.5)
    yield 'all_zero', fs, t, f32(np.zeros(n))

    p = 0.9 * shifted(t, -100)
    p[2000:2300] = np.nan
    yield 'gap_and_gain', fs, t, f32(p)

    yield 'shift_0p6_s', fs, t, f32(shifted(t, 300))

    yield 'short_prediction', fs, t, f32((shifted(t, -25) + lcg_noise(n, 4, 0.08))[:3000])

    p = np.full(n, np.nan)
    p[4000:4300] = t[4010:4310] + 0.3
    yield 'narrow_prediction', fs, t, f32(p)

    tiny = f32(ecg_like(40, fs)[::-1] * 3)
    yield 'tiny_record', fs, tiny, f32(shifted(tiny, -3) + lcg_noise(40, 5, 0.02))

    fs2, n2 = 250, 2500
    t2 = ecg_like(n2, fs2)
    yield 'rate_250_hz', fs2, t2, f32(1.1 * shifted(t2, 12) + lcg_noise(n2, 3, 0.1))


PTBXL_RECORDS = ('00841_hr', '10504_hr', '18155_hr')
COLUMN, TRIM, DELAY, MARGIN = 1250, 100, 50, 100


def read_ptbxl(folder, name):
    """12 x 5000 mV from a PTB-XL record (format 16, 1000 units per mV, no baseline)."""
    raw = np.fromfile(f'{folder}/{name}.dat', dtype='<i2').reshape(-1, 12)
    return f32(raw.T / 1000.0)


def ptbxl_cases(folder):
    """As test_ptbxl.cpp: a 3x4 page's truth, and a prediction 0.1 s late,
    0.3 mV high, with uniform noise 25 dB below each shown lead."""
    for name in PTBXL_RECORDS:
        full = read_ptbxl(folder, name)
        n = full.shape[1]
        idx = np.arange(n)
        for j in range(12):
            truth = full[j].copy()
            truth[(idx // COLUMN != j // 3) | (idx < TRIM) | (idx + TRIM >= n)] = np.nan
            shown = truth[np.isfinite(truth)]
            power = np.sum(shown * shown) / len(shown)
            noise = lcg_noise(n, 100 + j, np.sqrt(12 * power / 10**2.5))
            pred = np.full(n, np.nan)
            begin = (j // 3) * COLUMN
            src = idx[(idx + MARGIN >= begin) & (idx < begin + COLUMN + MARGIN) & (idx + DELAY < n)]
            pred[src + DELAY] = full[j][src] + noise[src] + 0.3
            yield f'{name}/{j}', 500, truth, f32(pred)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    if importlib.util.find_spec('wfdb') is None:
        sys.modules['wfdb'] = types.ModuleType('wfdb')
    sys.path.insert(0, sys.argv[1])
    hc = importlib.import_module('helper_code')

    num_quant_levels = 2**8
    max_vt_shift = 1.0
    all_cases = list(cases())
    if len(sys.argv) == 3:
        all_cases += list(ptbxl_cases(sys.argv[2]))
    for name, fs, truth, pred in all_cases:
        # As in evaluate_model.py's loop.
        max_hz_shift = np.round(0.5 * fs)
        aligned, shift_hz, shift_vt = hc.align_signals(truth, pred, num_quant_levels=num_quant_levels)
        if not (abs(shift_hz) <= max_hz_shift and abs(shift_vt) <= max_vt_shift):
            aligned, shift_hz, shift_vt = pred, 0, 0.0
        snr, _, _ = hc.compute_snr(truth, aligned)
        print(f'{{"{name}", {shift_hz}, {shift_vt:.9f}, {snr:.6f}}},')


if __name__ == '__main__':
    main()
