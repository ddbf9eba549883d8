#pragma once
// Where each lead of a page layout goes (internal to src/render).

#include <string>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace render_detail {

/// One panel of a layout.
struct PanelSpec {
  std::string printed;  ///< label on the page ("-aVR" on Cabrera pages)
  std::string lead;     ///< standard lead whose samples are drawn
  bool inverted;        ///< drawn upside down (-aVR)
  int row;              ///< 0 = top; rhythm strips follow the main rows
  int column;           ///< time window index; -1 for a full-width rhythm strip
};

/// A page layout: `rows` x `columns` panels plus full-width rhythm strips.
struct LayoutSpec {
  std::string name;
  int rows;             ///< rows of the main grid (without rhythm strips)
  int columns;          ///< time windows side by side
  int rhythm_rows;      ///< full-width strips below the grid
  std::vector<PanelSpec> panels;
};

/// All layouts, in the order of page_layout_names().
const std::vector<LayoutSpec> &layout_specs();
/// The layout called `name`, or nullptr.
const LayoutSpec *find_layout_spec(const std::string &name);

}  // namespace render_detail
}  // namespace v1
}  // namespace ecgdig
