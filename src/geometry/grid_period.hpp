#pragma once
// The period of a printed millimetre grid from a 1-D projection of the grid map.

#include <optional>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// One axis's grid period.
struct GridPeriod {
  double px_per_mm = 0;   ///< pixels per millimetre along the projection
  double confidence = 0;  ///< 0..1, from the height of the lattice peaks of the autocorrelation
  bool minor_seen = false;///< the 1 mm lines were resolved (otherwise 5 mm lines / 5)
};

/// Finds the 1 mm period of the grid lines that cross a profile (e.g. the column
/// sums of a rectified grid map give the vertical lines). The autocorrelation's
/// fundamental lattice is refined over many multiples for sub-pixel accuracy; the
/// 5:1 minor/major structure tells a 1 mm from a 5 mm period, and `long_side_px`
/// (the page's long side) settles a plain lattice by the page size it implies.
/// Returns nothing when the profile holds no periodic structure in the range.
std::optional<GridPeriod> estimate_grid_period(const std::vector<double> &profile,
                                               double min_px_per_mm, double max_px_per_mm,
                                               double long_side_px);

/// The grid period of a profile near a guess: the 5 mm lattice peak within
/// +-15 % of 5 * `px_per_mm_guess`, refined over its multiples. Used to check
/// one axis's reading against the other's. Returns nothing when no lattice is there.
std::optional<GridPeriod> grid_period_near(const std::vector<double> &profile, double px_per_mm_guess);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
