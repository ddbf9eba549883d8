#pragma once
/// @file
/// Building blocks of degrade(): a seeded random source, the geometric warp
/// (homography after a smooth non-linear displacement) and the photometric
/// steps. Private to src/render.

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace degrade_detail {

/// Bits of the packed label image that travels through the warp with the page.
inline constexpr std::uint8_t kTraceBit = 1;
inline constexpr std::uint8_t kGridBit = 2;
inline constexpr std::uint8_t kTextBit = 4;
inline constexpr std::uint8_t kPageBit = 8;

/// splitmix64: tiny, fast and identical on every platform, unlike the
/// distributions of <random>.
class Rng {
 public:
  /// One independent stream per (seed, step) so that enabling one step does
  /// not change the random draws of the others.
  Rng(std::uint64_t seed, std::uint64_t stream);
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi);
  /// Uniform integer in [lo, hi].
  int uniform_int(int lo, int hi);
  /// True with probability p.
  bool chance(double p);
  /// Standard normal (Box-Muller).
  double normal();

 private:
  std::uint64_t state_;
};

/// One smooth travelling-wave term of the curl displacement: a * sin(k.p + phase).
struct CurlWave {
  cv::Vec2d amplitude_px;
  cv::Vec2d k_rad_per_px;
  double phase = 0;
};

/// A fold line n.p = offset; content on either side shifts by +-shift along n.
struct Crease {
  cv::Vec2d normal;     ///< unit normal of the line
  double offset_px = 0; ///< n.p on the line
  double shift_px = 0;  ///< half the step in displacement across the fold
  double width_px = 1;  ///< width of the step (tanh scale) and of the shading beside the fold
  double shade = 0;     ///< darkening of the fold line itself, 0..1
  double highlight = 0; ///< brightening of one side and darkening of the other, -1..1
};

/// Page px -> output px: out = H (p + D(p)), D the curl and crease displacement.
struct Warp {
  cv::Matx33d homography = cv::Matx33d::eye();
  cv::Size out_size;
  std::vector<CurlWave> waves;
  /// Cylinder-like bend: dy += bend * (2 (x - cx) / w)^2 * (y - cy) / (h / 2).
  double bend_px = 0;
  cv::Point2d centre;
  cv::Size page_size;
  std::vector<Crease> creases;

  bool nonlinear() const { return !waves.empty() || bend_px != 0 || !creases.empty(); }
  bool identity() const;
  /// D(p) and its Jacobian.
  cv::Vec2d displacement(const cv::Vec2d &p, cv::Matx22d *jacobian) const;
  /// H (p + D(p)).
  cv::Point2d forward(const cv::Point2d &page_px) const;
  /// The page point whose image is `out_px` (Newton on p + D(p) = H^-1 out).
  cv::Point2d inverse(const cv::Point2d &out_px) const;
};

/// Warps the page image (bilinear) and the packed labels (nearest neighbour;
/// the trace by thresholded bilinear coverage, so it stays binary) through
/// `warp` in one pass over a map that is exact on an 8 px lattice and bilinear
/// in between. Pixels outside the page get label 0 (no kPageBit).
void apply_warp(const Warp &warp, const cv::Mat &bgr, const cv::Mat &labels, cv::Mat &bgr_out,
                cv::Mat &labels_out);

/// Maps an output point to page coordinates for every lattice node, used by
/// the gain field too. Rows x cols = lattice size; CV_32FC2.
cv::Mat inverse_lattice(const Warp &warp, int step_px);

// Photometric steps; each returns a short description of what it did.
std::string draw_stains(cv::Mat &bgr, int max_count, Rng &rng);
std::string photocopy(cv::Mat &bgr, cv::Mat &labels, Rng &rng);
std::string shade_creases(cv::Mat &bgr, const std::vector<Crease> &creases);
std::string fill_background(cv::Mat &bgr, cv::Mat &labels, bool table, bool grey, Rng &rng);
std::string apply_light(cv::Mat &bgr, double illumination, double colour_cast, bool grey, Rng &rng);
std::string blur(cv::Mat &bgr, double max_sigma_px, Rng &rng);
std::string lower_resolution(cv::Mat &bgr, Rng &rng);
std::string add_noise(cv::Mat &bgr, double max_sigma, bool grey, Rng &rng);
std::string compress_jpeg(cv::Mat &bgr, int quality_min, bool grey, Rng &rng);

}  // namespace degrade_detail
}  // namespace v1
}  // namespace ecgdig
