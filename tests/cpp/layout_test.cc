// Checks the layouts the benchmarks really build, by running every case
// through Google Benchmark at a small size and reading the counters it
// reports: the measured node gaps, the allocations, and the sum check.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <cstring>
#include <sstream>

#include "core/chase.h"
#include "core/family.h"
#include "core/kernels.h"
#include "core/layout.h"
#include "core/machine.h"
#include "core/platform.h"
#include "core/pmr.h"
#include "runners/lib/plan.h"

namespace locality {
namespace {

TEST(MeasureLayout, SequentialNodesAreNear) {
  std::vector<std::uintptr_t> a;
  for (std::uintptr_t i = 0; i < 100; ++i) a.push_back(4096 + 16 * i);
  const LayoutStats s = measure_layout(a);
  EXPECT_DOUBLE_EQ(s.median_gap_bytes, 16);
  EXPECT_DOUBLE_EQ(s.near_step_share, 1.0);
}

TEST(MeasureLayout, GapDistributionInLines) {
  // steps of 0, 1, 5, 40, 300, 1000 and 100000 lines, one into each bucket
  std::vector<std::uintptr_t> a = {0};
  for (std::uintptr_t lines : {0, 1, 5, 40, 300, 1000, 100000}) a.push_back(a.back() + lines * 64);
  const LayoutStats s = measure_layout(a);
  double total = 0;
  for (double share : s.gap_share) {
    EXPECT_DOUBLE_EQ(share, 1.0 / 7);
    total += share;
  }
  EXPECT_DOUBLE_EQ(total, 1.0);
}

TEST(MeasureLayout, FarApartNodesAreNotNear) {
  std::vector<std::uintptr_t> a = {0, 8192, 64, 100000, 128};
  const LayoutStats s = measure_layout(a);
  EXPECT_DOUBLE_EQ(s.near_step_share, 0.0);
  // Gaps 8192, 8128, 99936, 99872: median of an even count is the mean of
  // the middle two.
  EXPECT_DOUBLE_EQ(s.median_gap_bytes, (8192 + 99872) / 2.0);
}

TEST(MeasureLayout, BackwardStepIntoPreviousLineIsNotNear) {
  const LayoutStats s = measure_layout({128, 64});
  EXPECT_DOUBLE_EQ(s.near_step_share, 0.0);
}

TEST(ExpectedSum, MatchesBruteForce) {
  for (std::size_t n : {0u, 1u, 999u, 1000u, 1001u, 123457u}) {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(element_value(i));
    EXPECT_EQ(expected_sum(n), s) << n;
  }
}

// A benchmark name without the "/min_time:..." parts Google Benchmark adds.
std::string without_suffixes(const std::string& name) {
  std::string out;
  std::stringstream parts(name);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.find(':') != std::string::npos || part == "real_time") continue;
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

// Collects every run Google Benchmark reports.
class Capture : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) by_name[r.benchmark_name()] = r;
  }
  std::map<std::string, Run> by_name;
};

// Families the Cases tests leave out, named in LOCALITY_TEST_SKIP_FAMILIES
// ("threads,core_to_core"; "stack_array/big": only the stack array that
// moves to a thread of its own; "tlb/huge_pages": only the check that the
// kernel grants huge pages). runners/crosscheck.sh names the families
// whose threads wait on each other there when it runs these tests under
// qemu-user, where such threads barely progress; nothing else sets it.
bool skipped_family(const std::string& family) {
  const char* list = std::getenv("LOCALITY_TEST_SKIP_FAMILIES");
  if (list == nullptr) return false;
  std::stringstream names(list);
  std::string name;
  while (std::getline(names, name, ',')) {
    if (name == family) return true;
  }
  return false;
}

constexpr std::size_t kElements = 1 << 14;
constexpr std::size_t kBigStackElements = 1 << 22;  // 16 MiB of ints
constexpr std::size_t kTlbLines = 1 << 16;            // 4 MiB: room for huge pages

const std::map<std::string, benchmark::BenchmarkReporter::Run>& runs() {
  static const std::map<std::string, benchmark::BenchmarkReporter::Run> all = [] {
    // Every case that can run here at one small size, as bench_all registers
    // it; plus a stack array too big for a default stack (it must move to a
    // thread) and tlb buffers large enough for 2 MiB pages.
    // Cases with a ladder of their own (sizes that are not element counts:
    // threads, blocks) run at the smallest size of their quick ladder where
    // that is smaller.
    std::vector<PlannedBenchmark> planned;
    const std::size_t llc = ladder_llc(this_machine(), std::nullopt).first;
    for (const Family& f : families()) {
      if (skipped_family(f.name)) continue;
      for (const Case& c : f.cases) {
        if (!unavailable_reason(c).empty()) continue;
        const std::size_t n = has_own_ladder(f, c) ? std::min(case_sizes(f, c, llc, true).front(), kElements) : kElements;
        planned.push_back({benchmark_name(f, c, n), &f, &c, n});
        if (f.name == "stack_array" && c.name == "sum" && !skipped_family("stack_array/big")) planned.push_back({benchmark_name(f, c, kBigStackElements), &f, &c, kBigStackElements});
        if (f.name == "tlb") planned.push_back({benchmark_name(f, c, kTlbLines), &f, &c, kTlbLines});
      }
    }
    Registration reg;
    reg.repetitions = 1;
    reg.min_time = 0.001;
    register_benchmarks(planned, reg);
    std::vector<std::string> args = {"layout_test"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    int argc = static_cast<int>(argv.size());
    benchmark::Initialize(&argc, argv.data());
    Capture capture;
    benchmark::RunSpecifiedBenchmarks(&capture);
    std::map<std::string, benchmark::BenchmarkReporter::Run> by_name;
    for (auto& [name, run] : capture.by_name) by_name[without_suffixes(name)] = run;
    return by_name;
  }();
  return all;
}

std::map<std::string, benchmark::BenchmarkReporter::Run>::const_iterator find_run(const std::string& family_case) {
  // at kElements, or the one size a case with a ladder of its own ran at
  const std::string prefix = family_case + "/";
  auto it = runs().find(prefix + std::to_string(kElements));
  if (it == runs().end()) {
    for (auto i = runs().begin(); i != runs().end(); ++i) {
      if (i->first.rfind(prefix, 0) == 0 && i->first.find('/', prefix.size()) == std::string::npos) it = i;
    }
  }
  if (it == runs().end()) throw std::runtime_error("no run named " + prefix + "...");
  return it;
}

const benchmark::BenchmarkReporter::Run& run_of(const std::string& family_case) { return find_run(family_case)->second; }

double size_of(const std::string& family_case) {
  const std::string& name = find_run(family_case)->first;
  return std::stod(name.substr(name.rfind('/') + 1));
}

double counter(const std::string& family_case, const std::string& key) {
  const auto& r = run_of(family_case);
  auto it = r.counters.find(key);
  if (it == r.counters.end()) throw std::runtime_error(family_case + " has no counter " + key);
  return it->second.value;
}

TEST(Cases, EveryCaseRunsAndItsSumIsRight) {
  std::size_t cases = 0;
  for (const Family& f : families()) {
    if (skipped_family(f.name)) continue;
    for (const Case& c : f.cases) {
      if (!unavailable_reason(c).empty()) continue;
      const auto& r = run_of(f.name + "/" + c.name);
      EXPECT_FALSE(r.error_occurred) << r.benchmark_name() << ": " << r.error_message;
      // The work of one iteration: the structure once, or a whole number
      // of times where one pass is too short to time (bandwidth, chases).
      // (stride's touched ints are the array over k; cases with ladders of
      // their own count other units)
      const double elements = counter(f.name + "/" + c.name, "elements");
      const double size = size_of(f.name + "/" + c.name);
      if (c.series.empty() && c.axis.counter.empty() && c.unit.bytes > 0) {
        EXPECT_GE(elements, size) << f.name << "/" << c.name;
        EXPECT_EQ(std::fmod(elements, size), 0) << f.name << "/" << c.name;
      }
      EXPECT_GT(counter(f.name + "/" + c.name, "working_set_bytes"), 0);
      ++cases;
    }
  }
  EXPECT_GE(cases, 50u);
}

TEST(Cases, ElementSizeNodesHaveDreppersSizes) {
  EXPECT_EQ(counter("element_size/sequential_npad0", "node_bytes"), 8);
  EXPECT_EQ(counter("element_size/sequential_npad7", "node_bytes"), 64);
  EXPECT_EQ(counter("element_size/random_npad15", "node_bytes"), 128);
  EXPECT_EQ(counter("element_size/random_npad31", "node_bytes"), 256);
}

TEST(Cases, StrideChasesPutLinesInOneSetOrSpreadThem) {
  const auto l1 = data_cache(this_machine().caches, 1);
  const double way = l1 && l1->ways > 0 ? static_cast<double>(l1->size_bytes / l1->ways) : 4096.0;
  EXPECT_EQ(counter("stride/same_set_chase", "spacing_bytes"), way);
  EXPECT_EQ(counter("stride/spread_set_chase", "spacing_bytes"), way + 64);
  const double lines = size_of("stride/same_set_chase");
  EXPECT_EQ(counter("stride/same_set_chase", "footprint_bytes"), way * lines);
  EXPECT_EQ(counter("stride/every_16", "stride_bytes"), 64);
  // time per touched int: an iteration touches the array's ints over k, and
  // a line per touched int from k = 16 on
  const double ints = size_of("stride/every_16");
  EXPECT_EQ(counter("stride/every_16", "elements"), ints / 16);
  EXPECT_EQ(counter("stride/every_1", "elements"), ints);
  EXPECT_EQ(counter("stride/every_64", "elements"), ints / 64);
  EXPECT_EQ(counter("stride/every_4", "touched_lines"), ints / 16);
  EXPECT_EQ(counter("stride/every_64", "touched_lines"), ints / 64);
}

TEST(Cases, BandwidthUsesTheWidestVectorsAndCountsEveryPass) {
  const double widest = kernels::vector_bits();
  EXPECT_GE(widest, 128);
  for (const char* c : {"bandwidth/read", "bandwidth/write", "bandwidth/copy"}) {
    EXPECT_EQ(counter(c, "vector_bits"), widest) << c;
    EXPECT_EQ(counter(c, "nontemporal"), 0) << c;
  }
  if (runs().count("bandwidth/read_256/" + std::to_string(kElements))) {
    EXPECT_EQ(counter("bandwidth/read_256", "vector_bits"), 256);
  }
  EXPECT_EQ(counter("bandwidth/read_128", "vector_bits"), 128);
  EXPECT_EQ(counter("bandwidth/read_scalar", "vector_bits"), 64);
  if (kernels::nontemporal_loads_unavailable().empty()) {
    EXPECT_EQ(counter("bandwidth/read_nt", "vector_bits"), 128);
    EXPECT_EQ(counter("bandwidth/read_nt", "nontemporal"), 1);
  }
  const double words = size_of("bandwidth/read");
  for (const char* c : {"bandwidth/read", "bandwidth/read_scalar", "bandwidth/copy"}) {
    EXPECT_EQ(counter(c, "elements"), words * counter(c, "passes_per_iter")) << c;
  }
  // passes make the 1 MiB an iteration covers at least
  EXPECT_EQ(counter("bandwidth/read", "passes_per_iter"), std::max(1.0, (1 << 20) / (8 * words)));
}

// Every length up to past the ends' vectors, at every int offset in a line,
// on every Highway target this CPU runs (each dispatched in turn).
TEST(Kernels, SumsAgreeWithTheExpectedSumAtEveryAlignmentAndLength) {
  std::vector<int> v(5000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = element_value(i) + static_cast<int>(i % 7) * 1000;
  std::vector<std::string> seen;
  for (const std::int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    seen.push_back(kernels::vector_target());
    EXPECT_EQ(seen.back(), hwy::TargetName(target));
    std::vector<std::size_t> lengths = {1000, 4000, 4001, 4095};
    for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
    for (std::size_t offset = 0; offset <= 16; ++offset) {
      for (std::size_t n : lengths) {
        std::uint32_t want = 0;
        for (std::size_t i = 0; i < n; ++i) want += static_cast<std::uint32_t>(v[offset + i]);
        ASSERT_EQ(kernels::sum_ints(v.data() + offset, n), want) << seen.back() << " " << offset << " " << n;
        ASSERT_EQ(kernels::sum_ints_one_chain(v.data() + offset, n), want) << offset << " " << n;
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_FALSE(seen.empty());
  std::string names;
  for (const auto& t : seen) names += " " + t;
  RecordProperty("targets", names);
  std::cout << "[          ] sums checked on:" << names << "\n";
}

// The matrix sum adds every int of every row and none of the padding
// between rows: row lengths below, at and past each target's vector and
// its four-vector step, on every Highway target this CPU runs.
TEST(Kernels, RowSumsAddEveryRowAndNoPaddingOnEveryTarget) {
  constexpr std::size_t kRows = 9;
  std::vector<std::string> seen;
  for (const std::int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    seen.push_back(kernels::vector_target());
    for (std::size_t cols = 0; cols <= 140; ++cols) {
      for (const std::size_t pad : {0, 1, 16}) {
        const std::size_t pitch = cols + pad;
        // the padding holds a value no row has, so a sum that reads it is off
        std::vector<int> m(kRows * pitch + 1, 1 << 20);
        std::uint32_t want = 0;
        for (std::size_t r = 0; r < kRows; ++r) {
          for (std::size_t c = 0; c < cols; ++c) {
            m[r * pitch + c] = element_value(r * cols + c);
            want += static_cast<std::uint32_t>(m[r * pitch + c]);
          }
        }
        ASSERT_EQ(kernels::sum_int_rows(m.data(), kRows, cols, pitch), want)
            << seen.back() << " cols " << cols << " pad " << pad;
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_FALSE(seen.empty());
}

TEST(Kernels, WordKernelsAtEveryWidthReadAndWriteEveryWord) {
  constexpr std::size_t kWords = 1024;
  auto* a = static_cast<std::uint64_t*>(std::aligned_alloc(64, kWords * 8));
  auto* b = static_cast<std::uint64_t*>(std::aligned_alloc(64, kWords * 8));
  for (std::size_t i = 0; i < kWords; ++i) a[i] = i;
  const std::uint64_t sum = kWords * (kWords - 1) / 2;
  for (auto w : {kernels::Width::widest, kernels::Width::at_most_256, kernels::Width::at_most_128,
                 kernels::Width::scalar}) {
    EXPECT_EQ(kernels::read_words(a, kWords, 3, w), 3 * sum) << kernels::width_bits(w);
  }
  kernels::copy_words(b, a, kWords, 2);
  EXPECT_EQ(std::memcmp(a, b, kWords * 8), 0);
  kernels::write_words(b, kWords, 1, 7);
  kernels::increment_words(b, kWords, 2);
  for (std::size_t i = 0; i < kWords; ++i) ASSERT_EQ(b[i], 9u) << i;
  if (kernels::nontemporal_loads_unavailable().empty()) {
    EXPECT_EQ(kernels::read_words_nontemporal(a, kWords, 1), sum);
  }
  if (kernels::nontemporal_stores_unavailable().empty()) {
    kernels::write_words_nontemporal(b, kWords, 1, 5);
    for (std::size_t i = 0; i < kWords; ++i) ASSERT_EQ(b[i], 5u) << i;
  }
  std::free(a);
  std::free(b);
}

TEST(Cases, AFragmentedHeapScattersAListThatAFreshHeapPacks) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator quarantines freed blocks, so a later list "
                  "never lands in the holes this test looks for (glibc's malloc does)";
#endif
  EXPECT_GT(counter("allocation/fresh_list_sum", "near_step_share"), 0.9);
  EXPECT_LT(counter("allocation/fragmented_list_sum", "near_step_share"), 0.1);
  EXPECT_GT(counter("allocation/fragmented_list_sum", "gap_median_bytes"), 64 * 64);
}

TEST(Cases, FalseSharingCountersShareALineOrNot) {
  if (skipped_family("false_sharing")) GTEST_SKIP() << "false_sharing is in LOCALITY_TEST_SKIP_FAMILIES";
  EXPECT_EQ(counter("false_sharing/same_line", "counter_distance_bytes"), 8);
  EXPECT_EQ(counter("false_sharing/padded", "counter_distance_bytes"), 64);
}

// The transparent-huge-page mode, e.g. "madvise" from "always [madvise] never".
std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = text.find('['), close = text.find(']');
  return open == std::string::npos || close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
}

TEST(Cases, SmallPagesAreSmallAndHugePagesAreGrantedWhereTheKernelAllows) {
  auto share = [](const char* c) {
    const auto it = runs().find(std::string(c) + "/" + std::to_string(kTlbLines));
    if (it == runs().end()) throw std::runtime_error(std::string("no run of ") + c);
    EXPECT_FALSE(it->second.error_occurred) << it->second.error_message;
    return it->second.counters.at("huge_page_share").value;
  };
  EXPECT_EQ(share("tlb/random_4k_pages"), 0);
  if (skipped_family("tlb/huge_pages")) GTEST_SKIP() << "tlb/huge_pages is in LOCALITY_TEST_SKIP_FAMILIES";
  const std::string mode = thp_mode();
  if (mode == "always" || mode == "madvise") {
    EXPECT_GT(share("tlb/random_huge_pages"), 0) << "THP mode " << mode;
  } else {
    EXPECT_EQ(share("tlb/random_huge_pages"), 0) << "THP mode '" << mode << "'";
  }
}

TEST(Catalogue, FamiliesAreInTeachingOrderAndFindCaseResolvesNames) {
  int last = -1;
  for (const Family& f : families()) {
    EXPECT_GT(f.order, last) << f.name << ": two families share a place in the teaching order";
    last = f.order;
    const CaseRef ref = find_case(f.name + "/" + f.cases.front().name + "/123");
    EXPECT_TRUE(ref && ref.family == &f && ref.c == &f.cases.front()) << f.name;
  }
  EXPECT_FALSE(find_case("stride/every_17/123"));
  EXPECT_FALSE(find_case("nothing/sum"));
}

TEST(Cases, ShuffledListIsReallyScattered) {
  // 16 Ki nodes of 32 bytes span 512 KiB; random neighbours are ~150 KiB
  // apart on average, and almost never in the same or next line.
  EXPECT_GT(counter("scattered_nodes/list_sum", "gap_median_bytes"), 64 * 64);
  EXPECT_LT(counter("scattered_nodes/list_sum", "near_step_share"), 0.01);
  // 16 Ki nodes of 32 bytes span 8 Ki lines: most random steps are 64 to
  // 8 Ki lines long.
  EXPECT_GT(counter("scattered_nodes/list_sum", "gap_share_512_32767_lines") +
                counter("scattered_nodes/list_sum", "gap_share_64_511_lines"),
            0.9);
  EXPECT_GT(counter("scattered_nodes/std_map_sum", "gap_median_bytes"), 64 * 64);
  EXPECT_LT(counter("scattered_nodes/std_map_sum", "near_step_share"), 0.05);
}

TEST(Cases, FreshListLooksContiguous) {
  EXPECT_LE(counter("scattered_nodes/list_sum_fresh", "gap_median_bytes"), 64);
  EXPECT_GT(counter("scattered_nodes/list_sum_fresh", "near_step_share"), 0.9);
  EXPECT_GT(counter("scattered_nodes/list_sum_fresh", "gap_share_0_lines") +
                counter("scattered_nodes/list_sum_fresh", "gap_share_1_line"),
            0.9);
}

TEST(Cases, ArenaAndPoolPackNodesBackToBack) {
  for (const char* c : {"arena_nodes/bump_list_sum", "arena_nodes/pool_list_sum"}) {
    EXPECT_DOUBLE_EQ(counter(c, "gap_median_bytes"), sizeof(Node)) << c;
    EXPECT_DOUBLE_EQ(counter(c, "near_step_share"), 1.0) << c;
  }
  if (!pmr_unavailable().empty()) return;  // registered, and said not to run (libc++ before 16)
  for (const char* c : {"arena_nodes/pmr_monotonic_list_sum", "arena_nodes/pmr_pool_list_sum"}) {
    EXPECT_LE(counter(c, "gap_median_bytes"), 32) << c;
    EXPECT_GT(counter(c, "near_step_share"), 0.95) << c;
  }
}

TEST(Cases, TraversalsAllocateNothingAndBuildsCountTheirAllocations) {
  EXPECT_EQ(counter("heap_vector/sum", "allocs_per_iter"), 0);
  EXPECT_EQ(counter("scattered_nodes/list_sum", "allocs_per_iter"), 0);
  EXPECT_EQ(counter("arena_nodes/bump_list_sum", "allocs_per_iter"), 0);
  EXPECT_DOUBLE_EQ(counter("arena_nodes/build_new", "allocs_per_iter"), kElements);
  // the arena and the pool reuse one buffer, taken before the timed lists
  EXPECT_DOUBLE_EQ(counter("arena_nodes/build_bump", "allocs_per_iter"), 0);
  EXPECT_DOUBLE_EQ(counter("arena_nodes/build_pool", "allocs_per_iter"), 0);
  if (pmr_unavailable().empty()) {
    EXPECT_LT(counter("arena_nodes/build_pmr_monotonic", "allocs_per_iter"), 64);
  }
}

TEST(Cases, PmrCasesRunWhereTheLibraryHasPmrAndSayWhyNotElsewhere) {
  const CaseRef ref = find_case("arena_nodes/pmr_pool_list_sum");
  ASSERT_TRUE(ref);
  EXPECT_EQ(unavailable_reason(*ref.c), pmr_unavailable());
#if defined(__GLIBCXX__)
  EXPECT_EQ(pmr_unavailable(), "");  // libstdc++ has had std::pmr since GCC 9
#endif
}

TEST(Cases, SmallStackArrayStaysOnTheCallingThreadAndABigOneMoves) {
  EXPECT_EQ(counter("stack_array/sum", "big_stack_thread"), 0);
  if (skipped_family("stack_array/big")) GTEST_SKIP() << "stack_array/big is in LOCALITY_TEST_SKIP_FAMILIES";
  const auto it = runs().find("stack_array/sum/" + std::to_string(kBigStackElements));
  ASSERT_NE(it, runs().end());
  EXPECT_FALSE(it->second.error_occurred) << it->second.error_message;
  EXPECT_EQ(it->second.counters.at("big_stack_thread").value, 1);
  EXPECT_EQ(it->second.counters.at("elements").value, kBigStackElements);
}

}  // namespace
}  // namespace locality


namespace locality {
namespace {

// Follows the links from node 0; returns the visit order (node indices).
std::vector<std::size_t> visit_order(const std::vector<LineNode>& nodes) {
  std::vector<std::size_t> order;
  const LineNode* p = nodes.data();
  do {
    order.push_back(static_cast<std::size_t>(p - nodes.data()));
    p = p->next;
  } while (p != nodes.data() && order.size() <= nodes.size());
  return order;
}

TEST(Chase, EveryOrderIsOneCycleThroughEveryNode) {
  for (ChaseOrder order : {ChaseOrder::sequential, ChaseOrder::random, ChaseOrder::page_random}) {
    for (std::size_t n : {1u, 2u, 63u, 64u, 65u, 1000u, 4096u}) {
      std::vector<LineNode> nodes(n);
      link_cycle(nodes.data(), n, order);
      auto seen = visit_order(nodes);
      ASSERT_EQ(seen.size(), n) << "order " << static_cast<int>(order) << ", n " << n;
      std::sort(seen.begin(), seen.end());
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], i);
      EXPECT_EQ(chase(nodes.data(), n), nodes.data());  // a full lap comes back
    }
  }
}

TEST(Chase, NodesAreOneLineApartAndOrdersDifferAsNamed) {
  EXPECT_EQ(sizeof(LineNode), 64u);
  std::vector<LineNode> nodes(64 * 32);  // 32 pages of 64 lines
  link_cycle(nodes.data(), nodes.size(), ChaseOrder::random);
  const auto random = visit_order(nodes);
  std::size_t adjacent = 0;
  for (std::size_t i = 1; i < random.size(); ++i) adjacent += random[i] == random[i - 1] + 1;
  EXPECT_LT(adjacent, random.size() / 50);  // a random cycle rarely steps to the next line

  link_cycle(nodes.data(), nodes.size(), ChaseOrder::page_random);
  const auto paged = visit_order(nodes);
  std::vector<std::size_t> page_sequence;
  for (std::size_t i = 0; i < paged.size(); ++i) {
    if (i % 64 == 0) {
      EXPECT_EQ(paged[i] % 64, 0u);  // every page is entered at its first line
      page_sequence.push_back(paged[i] / 64);
    } else {
      EXPECT_EQ(paged[i], paged[i - 1] + 1);  // and walked line by line
    }
  }
  std::size_t in_order = 0;
  for (std::size_t i = 1; i < page_sequence.size(); ++i) in_order += page_sequence[i] == page_sequence[i - 1] + 1;
  EXPECT_LT(in_order, page_sequence.size() / 4);  // pages come in a random order
}

}  // namespace
}  // namespace locality
