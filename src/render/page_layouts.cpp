#include "render/page_layouts.hpp"

#include <utility>

#include "ecgdig/render.hpp"

namespace ecgdig {
inline namespace v1 {
namespace render_detail {
namespace {

/// Panels of a grid given row by row; "-aVR" is drawn inverted.
std::vector<PanelSpec> grid_panels(const std::vector<std::vector<std::string>> &rows) {
  std::vector<PanelSpec> panels;
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const std::string &name = rows[r][c];
      const bool inverted = name.size() > 1 && name[0] == '-';
      panels.push_back({name, inverted ? name.substr(1) : name, inverted, int(r), int(c)});
    }
  return panels;
}

LayoutSpec make_layout(std::string name, const std::vector<std::vector<std::string>> &rows,
                       const std::vector<std::string> &rhythm) {
  LayoutSpec spec{std::move(name), int(rows.size()), int(rows.front().size()), int(rhythm.size()),
                  grid_panels(rows)};
  for (std::size_t k = 0; k < rhythm.size(); ++k)
    spec.panels.push_back({rhythm[k], rhythm[k], false, spec.rows + int(k), -1});
  return spec;
}

std::vector<LayoutSpec> build_layouts() {
  const std::vector<std::vector<std::string>> k3x4 = {
      {"I", "aVR", "V1", "V4"}, {"II", "aVL", "V2", "V5"}, {"III", "aVF", "V3", "V6"}};
  const std::vector<std::vector<std::string>> k6x2 = {{"I", "V1"},   {"II", "V2"},  {"III", "V3"},
                                                      {"aVR", "V4"}, {"aVL", "V5"}, {"aVF", "V6"}};
  std::vector<std::vector<std::string>> k12x1, limb, chest;
  for (const char *lead : kStandardLeads) k12x1.push_back({lead});
  for (int k = 0; k < 6; ++k) limb.push_back({kStandardLeads[std::size_t(k)]});
  for (int k = 6; k < 12; ++k) chest.push_back({kStandardLeads[std::size_t(k)]});
  // Cabrera: limb leads in their angular order aVL, I, -aVR, II, aVF, III, down the columns.
  const std::vector<std::vector<std::string>> cabrera = {
      {"aVL", "II", "V1", "V4"}, {"I", "aVF", "V2", "V5"}, {"-aVR", "III", "V3", "V6"}};
  return {make_layout("3x4", k3x4, {}),
          make_layout("3x4+1", k3x4, {"II"}),
          make_layout("3x4+3", k3x4, {"V1", "II", "V5"}),
          make_layout("6x2", k6x2, {}),
          make_layout("6x2+1", k6x2, {"II"}),
          make_layout("12x1", k12x1, {}),
          make_layout("6x1-limb", limb, {}),
          make_layout("6x1-chest", chest, {}),
          make_layout("3x4-cabrera", cabrera, {})};
}

}  // namespace

const std::vector<LayoutSpec> &layout_specs() {
  static const std::vector<LayoutSpec> specs = build_layouts();
  return specs;
}

const LayoutSpec *find_layout_spec(const std::string &name) {
  for (const LayoutSpec &spec : layout_specs())
    if (spec.name == name) return &spec;
  return nullptr;
}

}  // namespace render_detail

std::vector<std::string> page_layout_names() {
  std::vector<std::string> names;
  for (const auto &spec : render_detail::layout_specs()) names.push_back(spec.name);
  return names;
}

}  // namespace v1
}  // namespace ecgdig
