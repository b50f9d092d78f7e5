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

Claim under_stream_ceiling(const std::string& says, std::vector<std::string> cases, double bytes,
                           const std::string& floor, const std::string& below, double low,
                           const std::string& match) {
  const std::string b = std::to_string(static_cast<long long>(bytes));
  return {.kind = "ratio",
          .says = "beyond the last-level cache " + says + " at most what a random load costs over " + b +
                  " bytes at the read bandwidth (the run's own random chase and bandwidth/read at each case's "
                  "working set): a miss per node against at least " + floor +
                  ", which nothing streams faster than bandwidth/read (a physical limit, not a typical value, "
                  "with 25% slack); " + below,
          .cases = std::move(cases),
          .at = "beyond:LLC",
          .min = low,
          .max = 1.25,
          .match = match,
          .per = {"latency/random_chase", "bandwidth/read"},
          .per_bytes = {NAN, bytes}};
}

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

std::vector<std::size_t> shared_ladder(std::size_t llc_bytes, bool quick) {
  const std::size_t llc_ints = std::max<std::size_t>(llc_bytes / sizeof(int), 1024);
  if (quick) {
    // 16 KiB (in any L1), 256 KiB (in L2 on most machines), an eighth of
    // the last level, and the first size beyond it.
    const std::size_t beyond = round_up_pow2(llc_ints + 1);
    std::vector<std::size_t> q = {4096, 65536, std::max<std::size_t>(llc_ints / 8, 131072), beyond};
    std::sort(q.begin(), q.end());
    q.erase(std::unique(q.begin(), q.end()), q.end());
    return q;
  }
  const std::size_t top = round_up_pow2(2 * llc_ints);
  std::vector<std::size_t> ladder;
  for (std::size_t n = 1024; n < top; n *= 4) ladder.push_back(n);
  ladder.push_back(top);
  return ladder;
}

std::vector<std::size_t> case_sizes(const Family& family, const Case& c, std::size_t llc_bytes, bool quick,
                                    const std::vector<std::size_t>& given) {
  if (!given.empty()) return given;
  if (c.ladder) return c.ladder(llc_bytes, quick);
  if (family.ladder) return family.ladder(llc_bytes, quick);
  return shared_ladder(llc_bytes, quick);
}

bool has_own_ladder(const Family& family, const Case& c) { return c.ladder != nullptr || family.ladder != nullptr; }

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
