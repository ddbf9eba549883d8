#include "layout/lead_relations.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include <opencv2/core.hpp>

#include "core/order_statistics.hpp"
#include "layout/layout_templates.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kMinTogetherS = 0.5;  // a stretch of three limb leads shorter than this says little
// Residuals of rendered pages read back: rightly named limb leads 0.00-0.02
// on most pages (up to 0.43 where a photo's traces were misread), wrongly
// named ones 0.03-0.9 (0.72-0.92 for chest leads taken for limb leads).
constexpr double kFits = 0.03;          // at most this: the naming keeps the relations
constexpr double kClearlyBetter = 0.25; // and another naming must break them 4 times as much
constexpr double kBroken = 0.6;         // at least this: the naming breaks them whatever else is known

struct LimbLead {
  const char *name;
  double i, ii;  // the lead as a combination of I and II
};
constexpr std::array<LimbLead, 6> kLimbLeads = {{{"I", 1, 0},
                                                 {"II", 0, 1},
                                                 {"III", -1, 1},
                                                 {"aVR", -0.5, -0.5},
                                                 {"aVL", 1, -0.5},
                                                 {"aVF", -0.5, 1}}};

// The position (row, column) of each lead in a template; empty when a lead
// appears twice (a rhythm strip) and a name cannot tell its panel.
std::map<std::string, std::pair<std::size_t, std::size_t>> panel_positions(const LayoutTemplate &t) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> at;
  for (std::size_t j = 0; j < t.rows.size(); ++j)
    for (std::size_t c = 0; c < t.rows[j].leads.size(); ++c)
      if (!at.emplace(t.rows[j].leads[c], std::make_pair(j, c)).second) return {};
  return at;
}

// Whether a naming with `residual` (NaN: no three limb leads shown together)
// is clearly better than one with `other`.
bool clearly_better(double residual, double other) {
  if (std::isnan(residual)) return other >= kBroken;
  return residual <= kFits && (std::isnan(other) || residual < kClearlyBetter * other);
}

}  // namespace

double limb_relation_residual(const Record &record) {
  std::vector<const std::vector<float> *> samples;
  std::vector<const LimbLead *> leads;
  for (const LimbLead &l : kLimbLeads)
    if (const Lead *lead = record.find(l.name)) {
      samples.push_back(&lead->mv);
      leads.push_back(&l);
    }
  // Samples grouped by which limb leads they show (a bit per lead).
  std::map<unsigned, std::vector<std::size_t>> stretches;
  for (std::size_t t = 0; t < record.num_samples(); ++t) {
    unsigned shown = 0;
    for (std::size_t k = 0; k < samples.size(); ++k)
      if (std::isfinite((*samples[k])[t])) shown |= 1u << k;
    if (std::bitset<8>(shown).count() >= 3) stretches[shown].push_back(t);
  }
  double residual = 0, energy = 0;
  for (const auto &[shown, times] : stretches) {
    if (times.size() < kMinTogetherS * record.fs_hz) continue;
    std::vector<std::size_t> ks;
    for (std::size_t k = 0; k < samples.size(); ++k)
      if (shown & (1u << k)) ks.push_back(k);
    // Projection onto the plane the leads' combinations of I and II span.
    cv::Mat c(static_cast<int>(ks.size()), 2, CV_64F);
    for (int r = 0; r < c.rows; ++r) {
      c.at<double>(r, 0) = leads[ks[static_cast<std::size_t>(r)]]->i;
      c.at<double>(r, 1) = leads[ks[static_cast<std::size_t>(r)]]->ii;
    }
    const cv::Mat projection = c * (c.t() * c).inv() * c.t();
    cv::Mat s(static_cast<int>(times.size()), c.rows, CV_64F);
    for (int r = 0; r < c.rows; ++r) {
      std::vector<double> v;
      for (std::size_t t : times) v.push_back((*samples[ks[static_cast<std::size_t>(r)]])[t]);
      const double level = median(v);
      for (std::size_t i = 0; i < times.size(); ++i) s.at<double>(static_cast<int>(i), r) = v[i] - level;
    }
    const cv::Mat off = s - s * projection;  // projection is symmetric
    residual += off.dot(off);
    energy += s.dot(s);
  }
  return energy > 0 ? residual / energy : std::numeric_limits<double>::quiet_NaN();
}

std::vector<Layout> renamed_layouts(const Layout &layout) {
  const LayoutTemplate *own = find_layout_template(layout.name);
  if (!own) return {};
  const auto positions = panel_positions(*own);
  if (positions.empty()) return {};
  std::vector<Layout> renamed;
  for (const LayoutTemplate *other : twins(*own)) {
    if (panel_positions(*other).empty()) continue;
    Layout l = layout;
    l.name = other->name;
    l.name_evidence = NameEvidence::LeadRelations;
    bool named = true;
    for (LeadBox &box : l.leads) {
      const auto at = positions.find(box.name);
      if (at == positions.end()) {
        named = false;
        break;
      }
      box.name = other->rows[at->second.first].leads[at->second.second];
    }
    if (named) renamed.push_back(std::move(l));
  }
  return renamed;
}

bool rename_by_lead_relations(Layout &layout, Record &record,
                              const std::function<Record(Layout &)> &extract) {
  struct Naming {
    Layout layout;
    Record record;
    double residual;
  };
  std::vector<Naming> others;
  for (Layout &other : renamed_layouts(layout)) {
    Record other_record = extract(other);
    const double residual = limb_relation_residual(other_record);
    others.push_back({std::move(other), std::move(other_record), residual});
  }
  if (others.empty()) return false;
  const double own = limb_relation_residual(record);
  for (Naming &other : others)
    if (clearly_better(other.residual, own) &&
        std::all_of(others.begin(), others.end(), [&](const Naming &o) {
          return &o == &other || clearly_better(other.residual, o.residual);
        })) {
      layout = std::move(other.layout);
      record = std::move(other.record);
      return true;
    }
  if (std::all_of(others.begin(), others.end(),
                  [&](const Naming &o) { return clearly_better(own, o.residual); }))
    layout.name_evidence = NameEvidence::LeadRelations;
  return false;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
