#include "core/family.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace locality {
namespace {

std::vector<Family>& catalogue() {
  static std::vector<Family> all;
  return all;
}

}  // namespace

bool add_family(Family family) {
  auto& all = catalogue();
  all.push_back(std::move(family));
  std::stable_sort(all.begin(), all.end(), [](const Family& a, const Family& b) {
    return std::tie(a.order, a.name) < std::tie(b.order, b.name);
  });
  return true;
}

const std::vector<Family>& families() { return catalogue(); }

CaseRef find_case(const std::string& name) {
  for (const Family& family : families()) {
    if (name.compare(0, family.name.size(), family.name) != 0 || name.size() <= family.name.size() ||
        name[family.name.size()] != '/') {
      continue;
    }
    const std::string rest = name.substr(family.name.size() + 1);
    for (const Case& c : family.cases) {
      if (rest == c.name || rest.compare(0, c.name.size() + 1, c.name + "/") == 0) return {&family, &c};
    }
  }
  return {};
}

std::string benchmark_name(const Family& family, const Case& c, std::size_t size) {
  return family.name + "/" + c.name + "/" + std::to_string(size);
}

const Unit& unit_of(const Family& family, const Case& c) {
  return c.unit.name.empty() ? family.unit : c.unit;
}

Statistic statistic_of(const Family& family, const Case& c) {
  return c.statistic.value_or(family.statistic);
}

LadderFn ladder_of(const Family& family, const Case& c) { return c.ladder ? c.ladder : family.ladder; }

double peak_bytes_of(const Case& c, std::size_t size) {
  return c.peak_bytes ? c.peak_bytes(size) : c.peak_bytes_per_element * static_cast<double>(size);
}

std::string unavailable_reason(const Case& c) { return c.unavailable ? c.unavailable() : std::string(); }

const char* to_string(Metric m) { return m == Metric::bandwidth ? "bandwidth" : "time"; }

const char* to_string(Statistic s) { return s == Statistic::minimum ? "minimum" : "median"; }

const char* to_string(Role r) {
  switch (r) {
    case Role::baseline: return "baseline";
    case Role::layout: return "layout";
    case Role::build: return "build";
    case Role::none: break;
  }
  return "";
}

}  // namespace locality
