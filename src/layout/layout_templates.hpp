#pragma once
// The page layouts the "template" lead layout knows: which lead sits in
// which row and column.

#include <cstddef>
#include <string>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// One printed row: the leads of its columns, left to right. A name with a
/// leading '-' is printed inverted (Cabrera's -aVR).
struct TemplateRow {
  std::vector<std::string> leads;
};

/// A page layout: rows top to bottom.
struct LayoutTemplate {
  std::string name;
  std::vector<TemplateRow> rows;
};

/// All known templates, the most common first.
const std::vector<LayoutTemplate> &layout_templates();

/// The template called `name`, or nullptr.
const LayoutTemplate *find_layout_template(const std::string &name);

/// The other templates with the same panels as `t` (as many rows, as many
/// columns in each): 3x4 and Cabrera, 6x1 limb and chest leads.
std::vector<const LayoutTemplate *> twins(const LayoutTemplate &t);

/// Whether the lead printed at row j, column c of `t` tells it from the other
/// templates with the same panels: false where they all print that lead
/// there too, true where one prints another or none has t's panels.
bool tells_apart(const LayoutTemplate &t, std::size_t j, std::size_t c);

/// Names of all templates, comma separated (for error messages).
std::string layout_template_names();

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
