#pragma once
// Helpers shared by the render tests.

#include <cmath>
#include <cstring>
#include <string>

#include <opencv2/core.hpp>

#include "ecgdig/render.hpp"

namespace ecgdig::render_test {

/// A 10 s, 500 Hz synthetic record.
inline Record synth(std::uint64_t seed) { return synthesize_ecg(SynthOptions{}, seed); }

/// Byte-identical images.
inline bool same_mat(const cv::Mat &a, const cv::Mat &b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  for (int y = 0; y < a.rows; ++y)
    if (std::memcmp(a.ptr(y), b.ptr(y), a.cols * a.elemSize()) != 0) return false;
  return true;
}

/// The panel `name` starting at `t_start_s` (and lasting `duration_s`, when given).
inline const LeadTruth *find_panel(const RenderedPage &page, const std::string &name, double t_start_s,
                                   double duration_s = -1) {
  for (const LeadTruth &lt : page.leads)
    if (lt.name == name && std::abs(lt.t_start_s - t_start_s) < 1e-9 &&
        (duration_s < 0 || std::abs(lt.duration_s - duration_s) < 1e-9))
      return &lt;
  return nullptr;
}

}  // namespace ecgdig::render_test
