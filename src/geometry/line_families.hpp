#pragma once
// Orientation of the two grid line families and the homography that makes
// them horizontal and vertical.

#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Pixels of a map as a weighted point set, in the map's pixels.
struct WeightedPoints {
  std::vector<float> x, y, w;
  cv::Size size;
};

/// Every pixel of a CV_32FC1 map within `radius` of `centre`, weighted by its
/// value less the disc's mean. A disc projects with the same envelope at every
/// angle, and without the mean a dense map (every pixel on) would project with
/// a moire of the pixel lattice that favours the axes and diagonals.
WeightedPoints disc_points(const cv::Mat &map, cv::Point2d centre, double radius);

/// Line energy of a point set for lines of direction `angle_rad` (image
/// coordinates, y down): the points are projected on the lines' normal into
/// 1 px bins, and the energy is the sum of squares of that projection minus
/// its moving average.
double line_energy(const WeightedPoints &points, double angle_rad);

/// Result of an angle sweep.
struct AngleSweep {
  double angle_rad = 0;  ///< best line direction
  double contrast = 0;   ///< best energy over the median energy of the sweep
};

/// Best line direction in [from_rad, to_rad) sampled every step_rad, refined
/// with a parabola through the best sample and its neighbours.
AngleSweep sweep_angles(const WeightedPoints &points, double from_rad, double to_rad, double step_rad);

/// A line direction measured around one point of the image.
struct LocalLine {
  cv::Point2d centre;  ///< working-image px
  double angle_rad;    ///< direction of the lines there
  double weight;       ///< how sure (energy contrast)
};

/// Measures the local direction of the lines near `coarse_rad` in a grid of
/// tiles x tiles discs over a CV_32FC1 map. Centres are returned in the map's
/// pixels times `to_image` (the factor back to the working image).
std::vector<LocalLine> local_lines(const cv::Mat &map, int tiles, double coarse_rad, double search_rad,
                                   double to_image);

/// Weighted least-squares vanishing point (homogeneous, in `norm` coordinates)
/// of lines, refitted once without the lines far off the first fit.
cv::Vec3d vanishing_point(const std::vector<LocalLine> &lines, const cv::Matx33d &norm);

/// Homography that sends the vanishing points of the horizontal and vertical
/// families to the x and y directions at infinity, keeping the scale along
/// both families at the image centre; translation not yet fitted. `norm`
/// moves the image centre to the origin and scales by 1/s. Returns nothing
/// when the vanishing line crosses or nearly crosses the image.
std::optional<cv::Matx33d> homography_from_vanishing_points(const cv::Vec3d &v_h,
                                                            const cv::Vec3d &v_v,
                                                            const cv::Matx33d &norm,
                                                            cv::Size image_size);

/// Translates `h` so the whole image lands at non-negative coordinates and
/// gives the size that holds it. Returns false when the image blows up
/// (a corner at infinity or a canvas over `max_area_factor` times the image).
bool fit_canvas(cv::Matx33d &h, cv::Size image_size, double max_area_factor, cv::Size &canvas);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
