// Scoring cost: the challenge SNR with its 2-D correlation alignment.

#include <cmath>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "ecgdig/metrics.hpp"

namespace {

// A 72 bpm ECG-like trace in mV with a little baseline wander.
std::vector<float> synthetic_lead(std::size_t n, double fs_hz, double gain) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double s = static_cast<double>(i) / fs_hz;
    const double ph = std::fmod(s, 0.833);
    const double qrs = (ph - 0.35) / 0.012, t = (ph - 0.6) / 0.05, p = (ph - 0.2) / 0.03;
    v[i] = static_cast<float>(gain * (1.1 * std::exp(-qrs * qrs) + 0.3 * std::exp(-t * t) +
                                      0.12 * std::exp(-p * p) + 0.04 * std::sin(1.9 * s)));
  }
  return v;
}

// A truth record and a noisy, shifted, offset prediction of it; with
// `window_s` > 0 each lead shows only that long a stretch (a 3x4 page).
void make_pair(std::size_t n, double fs_hz, double window_s, ecgdig::Record &truth,
               ecgdig::Record &pred) {
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.f, 0.05f);
  truth = {"truth", fs_hz, {}};
  pred = {"pred", fs_hz, {}};
  for (std::size_t j = 0; j < ecgdig::kStandardLeads.size(); ++j) {
    std::vector<float> t = synthetic_lead(n, fs_hz, 0.4 + 0.1 * double(j)), p(n, NAN);
    const std::size_t shift = 7 + j;
    for (std::size_t i = 0; i + shift < n; ++i) p[i + shift] = t[i] + 0.1f + noise(rng);
    if (window_s > 0) {
      const auto w = static_cast<std::size_t>(window_s * fs_hz);
      const std::size_t start = (j / 3) * w;
      for (std::size_t i = 0; i < n; ++i)
        if (i < start || i >= start + w) t[i] = p[i] = NAN;
    }
    truth.leads.push_back({ecgdig::kStandardLeads[j], t, 1.0});
    pred.leads.push_back({ecgdig::kStandardLeads[j], p, 1.0});
  }
}

// 12 leads, 10 s at 500 Hz, every lead complete.
void BM_ScoreRecord_12x10s(benchmark::State &state) {
  ecgdig::Record truth, pred;
  make_pair(5000, 500, 0, truth, pred);
  for (auto _ : state) benchmark::DoNotOptimize(ecgdig::score_record(pred, truth));
}
BENCHMARK(BM_ScoreRecord_12x10s)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same record as a 3x4 page shows it: 2.5 s per lead, NaN elsewhere.
void BM_ScoreRecord_3x4Page(benchmark::State &state) {
  ecgdig::Record truth, pred;
  make_pair(5000, 500, 2.5, truth, pred);
  for (auto _ : state) benchmark::DoNotOptimize(ecgdig::score_record(pred, truth));
}
BENCHMARK(BM_ScoreRecord_3x4Page)->Unit(benchmark::kMillisecond)->UseRealTime();

// One lead's alignment, by length in samples.
void BM_AlignLead(benchmark::State &state) {
  ecgdig::Record truth, pred;
  make_pair(static_cast<std::size_t>(state.range(0)), 500, 0, truth, pred);
  const auto &t = truth.leads[1].mv, &p = pred.leads[1].mv;
  for (auto _ : state) benchmark::DoNotOptimize(ecgdig::align_to_truth(t, p, 250, 1.0));
}
BENCHMARK(BM_AlignLead)->Arg(1250)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
