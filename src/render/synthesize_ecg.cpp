// Synthetic 12-lead ECG: PQRST events as Gaussians on each beat's cycle (as in
// ECGSYN, McSharry et al. 2003), each event a 3-D heart dipole, projected onto
// the lead axes so that the limb leads obey Einthoven and Goldberger exactly.

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"
#include "render/render_random.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

using render_detail::RenderRandom;
using Vec3 = std::array<double, 3>;  // x: to the left, y: to the feet, z: anterior

constexpr double kPi = 3.14159265358979323846;

Vec3 normalized(const Vec3 &v) {
  const double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return {v[0] / n, v[1] / n, v[2] / n};
}

/// Unit vector from a frontal-plane angle (0 = lead I, 90 = aVF) and an
/// elevation towards the front (negative = posterior).
Vec3 from_angles(double frontal_deg, double anterior_deg) {
  const double a = frontal_deg * kPi / 180, e = anterior_deg * kPi / 180;
  return {std::cos(a) * std::cos(e), std::sin(a) * std::cos(e), std::sin(e)};
}

/// One Gaussian event of a beat: time from the R peak, width, amplitude, direction.
struct Wave {
  double offset_s;
  double sigma_s;
  double amplitude_mv;
  Vec3 direction;
};

/// Morphology shared by all normal beats of a record.
struct Morphology {
  double pr_s, qrs_scale, r_mv, t_mv, st_mv;
  Vec3 p_dir, q_dir, r_dir, s_dir, t_dir, st_dir;
  double q_rel, s_rel;
  bool has_p;
};

Morphology draw_morphology(RenderRandom &rng, bool atrial_fibrillation) {
  Morphology m{};
  m.has_p = !atrial_fibrillation;
  m.pr_s = rng.chance(0.05) ? rng.uniform(0.22, 0.32) : rng.uniform(0.12, 0.21);  // sometimes AV block I
  m.qrs_scale = rng.chance(0.15) ? rng.uniform(1.7, 2.6) : rng.uniform(0.85, 1.2);
  // Mostly a normal axis; left and right deviation sometimes.
  const std::size_t axis_kind = rng.weighted({0.8, 0.1, 0.1});
  const double axis_deg = axis_kind == 0   ? rng.uniform(-30, 90)
                          : axis_kind == 1 ? rng.uniform(-90, -30)
                                           : rng.uniform(90, 180);
  // The main QRS vector also points backwards, whatever its frontal axis.
  const double axis_rad = axis_deg * kPi / 180;
  m.r_dir = normalized({std::cos(axis_rad), std::sin(axis_rad), -rng.uniform(0.25, 0.8)});
  // Tall complexes (hypertrophy) cross into the neighbouring row on paper.
  m.r_mv = rng.chance(0.15) ? rng.uniform(2.5, 4.0) : std::exp(rng.normal(std::log(1.1), 0.3));
  m.q_dir = normalized({rng.uniform(-0.9, -0.4), rng.uniform(-0.2, 0.3), rng.uniform(0.5, 0.9)});
  m.s_dir = normalized({rng.uniform(-0.6, -0.1), rng.uniform(-0.5, 0.0), rng.uniform(-1.0, -0.6)});
  m.q_rel = rng.uniform(0.05, 0.25);
  m.s_rel = rng.uniform(0.15, 0.5);
  m.p_dir = from_angles(rng.uniform(30, 75), rng.uniform(-15, 25));
  // The T wave follows the QRS axis, or opposes it when conduction is slow.
  const bool discordant = m.qrs_scale > 1.6 || rng.chance(0.08);
  const Vec3 t_base = from_angles(axis_deg + rng.uniform(-35, 35), rng.uniform(-10, 30));
  m.t_dir = discordant ? Vec3{-t_base[0], -t_base[1], -t_base[2]} : t_base;
  m.t_mv = rng.uniform(0.15, 0.5) * (discordant ? 1.2 : 1.0);
  // An injury current lifts or lowers the ST segment in the leads facing it.
  m.st_mv = rng.chance(0.15) ? rng.uniform(0.05, 0.25) : 0.0;
  m.st_dir = normalized({rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)});
  return m;
}

std::vector<Wave> beat_waves(const Morphology &m, double rr_s, bool ectopic, RenderRandom &rng) {
  const double qt_scale = std::sqrt(std::clamp(rr_s, 0.3, 2.0));  // Bazett-like QT
  std::vector<Wave> waves;
  if (ectopic) {
    // Ventricular ectopic beat: no P, a wide bizarre QRS, a discordant T.
    const Vec3 dir = normalized({-m.r_dir[0] + rng.uniform(-0.3, 0.3), -m.r_dir[1] + 0.5, m.r_dir[2]});
    waves.push_back({0.0, 0.032, m.r_mv * 1.3, dir});
    waves.push_back({0.06, 0.025, m.r_mv * 0.4, m.r_dir});
    waves.push_back({0.30 * qt_scale, 0.06 * qt_scale, m.t_mv * 1.5, {-dir[0], -dir[1], -dir[2]}});
    return waves;
  }
  const double w = m.qrs_scale;
  if (m.has_p) waves.push_back({-m.pr_s, 0.022, rng.uniform(0.1, 0.2) * 1.0, m.p_dir});
  waves.push_back({-0.024 * w, 0.007 * w, m.r_mv * m.q_rel, m.q_dir});
  waves.push_back({0.0, 0.0095 * w, m.r_mv, m.r_dir});
  waves.push_back({0.026 * w, 0.009 * w, m.r_mv * m.s_rel, m.s_dir});
  if (w > 1.6) waves.push_back({0.05 * w, 0.012 * w, m.r_mv * 0.35, m.r_dir});  // slurred terminal part
  if (m.st_mv > 0) waves.push_back({0.06 * w + 0.08 * qt_scale, 0.05 * qt_scale, m.st_mv, m.st_dir});
  // An asymmetric T: slow upstroke, faster downstroke.
  waves.push_back({0.25 * qt_scale, 0.055 * qt_scale, m.t_mv * 0.8, m.t_dir});
  waves.push_back({0.31 * qt_scale, 0.03 * qt_scale, m.t_mv * 0.45, m.t_dir});
  return waves;
}

/// Beat times (R peaks) from a few seconds before 0 to past the end.
std::vector<std::pair<double, bool>> beat_times(RenderRandom &rng, double rr_mean_s, double end_s,
                                                bool atrial_fibrillation, double ectopic_rate) {
  // RR tachogram with the bimodal LF (0.1 Hz, Mayer waves) / HF (0.25 Hz,
  // respiration) spectrum of ECGSYN, built from sinusoids with random phases.
  const double lf_hf = rng.uniform(0.5, 2.0);
  const double rr_sigma = rr_mean_s * rng.uniform(0.01, 0.05);
  constexpr int kBins = 64;
  constexpr double kDf = 1.0 / 128.0;
  std::array<double, kBins> amp{}, phase{};
  double power = 0;
  for (int k = 0; k < kBins; ++k) {
    const double f = (k + 1) * kDf;
    const double s = lf_hf * std::exp(-0.5 * std::pow((f - 0.1) / 0.01, 2)) +
                     std::exp(-0.5 * std::pow((f - 0.25) / 0.01, 2));
    amp[k] = std::sqrt(s);
    phase[k] = rng.uniform(0, 2 * kPi);
    power += s / 2;
  }
  const double norm = power > 0 ? rr_sigma / std::sqrt(power) : 0.0;

  std::vector<std::pair<double, bool>> beats;
  double t = -rng.uniform(0.0, rr_mean_s) - 1.5;
  while (t < end_s + 1.5) {
    double rr = rr_mean_s;
    if (atrial_fibrillation) {
      rr *= rng.uniform(0.6, 1.45);
    } else {
      for (int k = 0; k < kBins; ++k) rr += norm * amp[k] * std::cos(2 * kPi * (k + 1) * kDf * t + phase[k]);
    }
    rr = std::max(rr, 0.25);
    if (!atrial_fibrillation && rng.chance(ectopic_rate)) {
      // Premature ventricular beat, then a compensatory pause.
      beats.push_back({t + 0.62 * rr, true});
      t += 2 * rr;
      beats.push_back({t, false});
      continue;
    }
    beats.push_back({t, false});
    t += rr;
  }
  return beats;
}

/// Baseline wander, mains hum and muscle noise of one electrode pair.
std::vector<double> lead_noise(RenderRandom &rng, std::size_t n, double fs_hz, double wander_mv,
                               double mains_mv, double mains_hz, double emg_mv) {
  std::vector<double> noise(n, 0.0);
  for (int k = 0; k < 3; ++k) {
    const double f = rng.uniform(0.05, 0.5), a = wander_mv * rng.uniform(0.2, 1.0), ph = rng.uniform(0, 2 * kPi);
    for (std::size_t i = 0; i < n; ++i) noise[i] += a * std::sin(2 * kPi * f * double(i) / fs_hz + ph);
  }
  const double mains_phase = rng.uniform(0, 2 * kPi);
  double smooth = 0;
  for (std::size_t i = 0; i < n; ++i) {
    noise[i] += mains_mv * std::sin(2 * kPi * mains_hz * double(i) / fs_hz + mains_phase);
    smooth = 0.6 * smooth + 0.4 * rng.normal();  // muscle noise is broadband but not white
    noise[i] += emg_mv * smooth;
  }
  return noise;
}

}  // namespace

Record synthesize_ecg(const SynthOptions &options, std::uint64_t seed) {
  if (!(options.fs_hz >= 50 && options.fs_hz <= 10000))
    throw Error(ErrorCode::InvalidArgument,
                "synthesize_ecg: fs_hz must be in 50..10000, got " + std::to_string(options.fs_hz));
  if (!(options.duration_s > 0 && options.duration_s <= 3600))
    throw Error(ErrorCode::InvalidArgument,
                "synthesize_ecg: duration_s must be in (0, 3600], got " + std::to_string(options.duration_s));
  if (!(options.heart_rate_bpm == 0 || (options.heart_rate_bpm >= 20 && options.heart_rate_bpm <= 300)))
    throw Error(ErrorCode::InvalidArgument,
                "synthesize_ecg: heart_rate_bpm must be 0 (random) or in 20..300, got " +
                    std::to_string(options.heart_rate_bpm));

  RenderRandom rng(seed);
  const double hr_bpm = options.heart_rate_bpm > 0 ? options.heart_rate_bpm : rng.uniform(40, 150);
  const bool af = rng.chance(0.12);
  const double ectopic_rate = rng.chance(0.15) ? rng.uniform(0.05, 0.2) : 0.0;
  const Morphology morph = draw_morphology(rng, af);
  const std::size_t n = std::size_t(std::llround(options.duration_s * options.fs_hz));
  const double fs = options.fs_hz;

  std::array<std::vector<double>, 3> dipole;
  for (auto &c : dipole) c.assign(n, 0.0);
  auto add_wave = [&](double centre_s, const Wave &w) {
    const double lo = std::ceil((centre_s - 5 * w.sigma_s) * fs), hi = std::floor((centre_s + 5 * w.sigma_s) * fs);
    for (double k = std::max(lo, 0.0); k <= hi && k < double(n); ++k) {
      const double d = (k / fs - centre_s) / w.sigma_s;
      const double g = w.amplitude_mv * std::exp(-0.5 * d * d);
      for (int c = 0; c < 3; ++c) dipole[c][std::size_t(k)] += g * w.direction[c];
    }
  };
  const auto beats = beat_times(rng, 60.0 / hr_bpm, options.duration_s, af, ectopic_rate);
  for (std::size_t b = 0; b < beats.size(); ++b) {
    const double rr = b + 1 < beats.size() ? beats[b + 1].first - beats[b].first : 60.0 / hr_bpm;
    for (const Wave &w : beat_waves(morph, rr, beats[b].second, rng)) add_wave(beats[b].first + w.offset_s, w);
  }
  if (af) {
    // Fibrillatory waves: small irregular 4-9 Hz atrial activity, seen best in V1.
    const Vec3 dir = normalized({0.2, 0.4, 0.9});
    const double f = rng.uniform(4, 9), a = rng.uniform(0.03, 0.1);
    double ph = rng.uniform(0, 2 * kPi);
    for (std::size_t i = 0; i < n; ++i) {
      ph += 2 * kPi * f / fs * (1 + 0.2 * std::sin(2 * kPi * 0.3 * double(i) / fs));
      for (int c = 0; c < 3; ++c) dipole[c][i] += a * std::sin(ph) * dir[c];
    }
  }

  // Lead axes: I and II in the frontal plane; V1-V6 around the chest, with
  // electrode placement and torso varying from person to person.
  std::vector<Vec3> axes = {from_angles(0, 0), from_angles(60, 0)};
  const std::array<double, 6> chest_deg = {115, 95, 75, 55, 30, 0};
  // Chest electrodes sit close to the heart: larger lead vectors than the limb leads.
  const std::array<double, 6> chest_gain = {1.2, 1.8, 1.9, 1.8, 1.5, 1.2};
  for (int v = 0; v < 6; ++v) {
    const double a = (chest_deg[v] + rng.uniform(-10, 10)) * kPi / 180;
    const double g = chest_gain[v] * rng.uniform(0.85, 1.15);
    axes.push_back({g * std::cos(a), g * rng.uniform(-0.15, 0.15), g * std::sin(a)});
  }

  const double wander_mv = rng.chance(0.7) ? rng.uniform(0.02, 0.2) : 0.0;
  const double mains_mv = rng.chance(0.3) ? rng.uniform(0.005, 0.04) : 0.0;
  const double mains_hz = rng.chance(0.5) ? 50.0 : 60.0;
  const double emg_mv = rng.chance(0.5) ? rng.uniform(0.003, 0.03) : 0.0;

  // Independent leads: I, II, V1..V6 (index 0, 1, 6..11 of kStandardLeads).
  std::array<std::vector<float>, 12> mv;
  const std::array<int, 8> independent = {0, 1, 6, 7, 8, 9, 10, 11};
  for (std::size_t j = 0; j < independent.size(); ++j) {
    const Vec3 &ax = axes[j];
    const auto noise = lead_noise(rng, n, fs, wander_mv, mains_mv, mains_hz, emg_mv);
    auto &out = mv[std::size_t(independent[j])];
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      out[i] = float(ax[0] * dipole[0][i] + ax[1] * dipole[1][i] + ax[2] * dipole[2][i] + noise[i]);
  }
  // The other limb leads follow from I and II, computed in float so the
  // relations hold exactly on the stored values.
  for (int k = 2; k < 6; ++k) mv[std::size_t(k)].resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float lead_i = mv[0][i], lead_ii = mv[1][i];
    mv[2][i] = lead_ii - lead_i;
    mv[3][i] = -(lead_i + lead_ii) * 0.5f;
    mv[4][i] = lead_i - lead_ii * 0.5f;
    mv[5][i] = lead_ii - lead_i * 0.5f;
  }

  Record record;
  record.name = "synth_" + std::to_string(seed);
  record.fs_hz = fs;
  for (std::size_t k = 0; k < kStandardLeads.size(); ++k)
    record.leads.push_back(Lead{kStandardLeads[k], std::move(mv[k]), 1.0});
  return record;
}

}  // namespace v1
}  // namespace ecgdig
