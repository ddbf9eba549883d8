#include "layout/layout_templates.hpp"

#include <algorithm>

namespace ecgdig {
inline namespace v1 {
namespace detail {

const std::vector<LayoutTemplate> &layout_templates() {
  static const std::vector<LayoutTemplate> templates = [] {
    const TemplateRow r1{{"I", "aVR", "V1", "V4"}};
    const TemplateRow r2{{"II", "aVL", "V2", "V5"}};
    const TemplateRow r3{{"III", "aVF", "V3", "V6"}};
    const auto strip = [](const char *lead) { return TemplateRow{{lead}}; };
    std::vector<LayoutTemplate> t;
    t.push_back({"3x4+1", {r1, r2, r3, strip("II")}});
    t.push_back({"3x4", {r1, r2, r3}});
    t.push_back({"3x4+3", {r1, r2, r3, strip("V1"), strip("II"), strip("V5")}});
    t.push_back({"6x2",
                 {{{"I", "V1"}},
                  {{"II", "V2"}},
                  {{"III", "V3"}},
                  {{"aVR", "V4"}},
                  {{"aVL", "V5"}},
                  {{"aVF", "V6"}}}});
    t.push_back({"6x2+1", t.back().rows});
    t.back().rows.push_back(strip("II"));
    t.push_back({"12x1", {}});
    for (const char *lead :
         {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"})
      t.back().rows.push_back(strip(lead));
    t.push_back({"6x1-limb", {}});
    for (const char *lead : {"I", "II", "III", "aVR", "aVL", "aVF"})
      t.back().rows.push_back(strip(lead));
    t.push_back({"6x1-chest", {}});
    for (const char *lead : {"V1", "V2", "V3", "V4", "V5", "V6"})
      t.back().rows.push_back(strip(lead));
    t.push_back(
        {"3x4-cabrera",
         {{{"aVL", "II", "V1", "V4"}}, {{"I", "aVF", "V2", "V5"}}, {{"-aVR", "III", "V3", "V6"}}}});
    return t;
  }();
  return templates;
}

const LayoutTemplate *find_layout_template(const std::string &name) {
  for (const auto &t : layout_templates())
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<const LayoutTemplate *> twins(const LayoutTemplate &t) {
  const auto same_panels = [&](const LayoutTemplate &other) {
    return other.rows.size() == t.rows.size() &&
           std::equal(t.rows.begin(), t.rows.end(), other.rows.begin(),
                      [](const TemplateRow &x, const TemplateRow &y) { return x.leads.size() == y.leads.size(); });
  };
  std::vector<const LayoutTemplate *> out;
  for (const LayoutTemplate &other : layout_templates())
    if (&other != &t && same_panels(other)) out.push_back(&other);
  return out;
}

bool tells_apart(const LayoutTemplate &t, std::size_t j, std::size_t c) {
  const std::vector<const LayoutTemplate *> others = twins(t);
  return others.empty() || std::any_of(others.begin(), others.end(), [&](const LayoutTemplate *other) {
           return other->rows[j].leads[c] != t.rows[j].leads[c];
         });
}

std::string layout_template_names() {
  std::string names;
  for (const auto &t : layout_templates()) names += (names.empty() ? "" : ", ") + t.name;
  return names;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
