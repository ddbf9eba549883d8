#pragma once
// The six limb leads are two measurements seen six ways: each is a fixed
// combination of I and II (III = II - I, aVR = -(I + II) / 2, aVL = I - II / 2,
// aVF = II - I / 2). Traces that break these relations are named wrongly,
// which tells layouts of the same panels apart when no name was read.

#include <functional>
#include <vector>

#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// The share of the energy of a record's limb leads, where three or more are
/// shown at once, that no combination of I and II explains (each lead less
/// its median over the stretch): near 0 for rightly named limb leads, about
/// 0.5 and more for others. NaN where no three limb leads are shown together
/// for 0.5 s.
double limb_relation_residual(const Record &record);

/// The layout's panels named after each other template with the same panels
/// (rows and columns per row) that, like the layout's own, shows each lead
/// once: 3x4 and Cabrera, 6x1 limb and chest leads. Empty for a layout that
/// is no such template.
std::vector<Layout> renamed_layouts(const Layout &layout);

/// Renames `layout` and re-reads `record` (through `extract`, which may
/// refine the layout it is given) where another template with the same
/// panels is clearly the better naming: its limb leads keep the relations
/// (residual at most 0.03) and the others' break them four times as much,
/// or it has no three limb leads together where the others break the
/// relations outright (0.6). The layout's name evidence becomes
/// LeadRelations when one naming is clearly better than all others,
/// whichever it is.
/// @return whether it renamed
bool rename_by_lead_relations(Layout &layout, Record &record,
                              const std::function<Record(Layout &)> &extract);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
