// Checks the layouts the benchmarks really build, by running every case
// through Google Benchmark at a small size and reading the counters it
// reports: the measured node gaps, the allocations, and the sum check.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <cmath>
#include <fstream>
#include <sstream>

#include "cases/chase.h"
#include "cases/family.h"
#include "cases/layout.h"
#include "cases/tlb.h"
#include "runners/machine.h"

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

// Collects every run Google Benchmark reports.
class Capture : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) by_name[r.benchmark_name()] = r;
  }
  std::map<std::string, Run> by_name;
};

constexpr std::size_t kElements = 1 << 14;
constexpr std::size_t kBigStackElements = 1 << 22;  // 16 MiB of ints
constexpr std::size_t kTlbLines = 1 << 16;            // 4 MiB: room for huge pages

const std::map<std::string, benchmark::BenchmarkReporter::Run>& runs() {
  static const std::map<std::string, benchmark::BenchmarkReporter::Run> all = [] {
    RegisterOptions options;
    options.ladder = {kElements};
    register_benchmarks(options);
    // One stack array too big for a default stack: it must move to a thread.
    for (const Family& f : families()) {
      for (const Case& c : f.cases) {
        CaseFn fn = c.fn;
        if (f.name == "stack_array") {
          benchmark::RegisterBenchmark(benchmark_name(f, c, kBigStackElements).c_str(),
                                       [fn](benchmark::State& st) { fn(st, kBigStackElements); });
        }
        // A buffer large enough for 2 MiB pages.
        if (f.name == "tlb") {
          benchmark::RegisterBenchmark(benchmark_name(f, c, kTlbLines).c_str(),
                                       [fn](benchmark::State& st) { fn(st, kTlbLines); });
        }
      }
    }
    std::vector<std::string> args = {"layout_test", "--benchmark_min_time=0.001"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    int argc = static_cast<int>(argv.size());
    benchmark::Initialize(&argc, argv.data());
    Capture capture;
    benchmark::RunSpecifiedBenchmarks(&capture);
    return capture.by_name;
  }();
  return all;
}

const benchmark::BenchmarkReporter::Run& run_of(const std::string& family_case) {
  const std::string name = family_case + "/" + std::to_string(kElements);
  auto it = runs().find(name);
  if (it == runs().end()) throw std::runtime_error("no run named " + name);
  return it->second;
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
    for (const Case& c : f.cases) {
      const auto& r = run_of(f.name + "/" + c.name);
      EXPECT_FALSE(r.error_occurred) << r.benchmark_name() << ": " << r.error_message;
      // The work of one iteration: the structure once, or a whole number
      // of times where one pass is too short to time (bandwidth, chases).
      const double elements = counter(f.name + "/" + c.name, "elements");
      EXPECT_GE(elements, kElements) << f.name << "/" << c.name;
      EXPECT_EQ(std::fmod(elements, kElements), 0) << f.name << "/" << c.name;
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
  const auto l1 = data_cache(read_caches(), 1);
  const double way = l1 && l1->ways > 0 ? static_cast<double>(l1->size_bytes / l1->ways) : 4096.0;
  EXPECT_EQ(counter("stride/same_set_chase", "spacing_bytes"), way);
  EXPECT_EQ(counter("stride/spread_set_chase", "spacing_bytes"), way + 64);
  EXPECT_EQ(counter("stride/same_set_chase", "footprint_bytes"), way * kElements);
  EXPECT_EQ(counter("stride/every_16", "stride_bytes"), 64);
  EXPECT_EQ(counter("stride/every_16", "touched_per_pass"), kElements / 16);
}

TEST(Cases, BandwidthUsesTheWidestVectorsAndCountsEveryPass) {
  const double expected = __builtin_cpu_supports("avx512f") ? 512 : __builtin_cpu_supports("avx2") ? 256 : 128;
  for (const char* c : {"bandwidth/read", "bandwidth/write", "bandwidth/copy"}) {
    EXPECT_EQ(counter(c, "vector_bits"), expected) << c;
    EXPECT_EQ(counter(c, "nontemporal"), 0) << c;
  }
  EXPECT_EQ(counter("bandwidth/read_256", "vector_bits"), std::min(expected, 256.0));
  EXPECT_EQ(counter("bandwidth/read_128", "vector_bits"), 128);
  EXPECT_EQ(counter("bandwidth/read_64", "vector_bits"), 64);
  EXPECT_EQ(counter("bandwidth/read_nt", "vector_bits"), 128);
  EXPECT_EQ(counter("bandwidth/read_nt", "nontemporal"), 1);
  for (const char* c : {"bandwidth/read", "bandwidth/read_64", "bandwidth/read_nt", "bandwidth/copy"}) {
    EXPECT_EQ(counter(c, "elements"), kElements * counter(c, "passes_per_iter")) << c;
  }
  // 16 Ki words are 128 KiB: 8 passes make the 1 MiB an iteration covers.
  EXPECT_EQ(counter("bandwidth/read", "passes_per_iter"), 8);
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
  const std::string mode = thp_mode();
  if (mode == "always" || mode == "madvise") {
    EXPECT_GT(share("tlb/random_huge_pages"), 0) << "THP mode " << mode;
  } else {
    EXPECT_EQ(share("tlb/random_huge_pages"), 0) << "THP mode '" << mode << "'";
  }
}

TEST(Tlb, SmapsParserReadsTheMappingThatHoldsTheAddress) {
  const std::string smaps =
      "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0          [heap]\n"
      "Size:                132 kB\n"
      "AnonHugePages:          0 kB\n"
      "7f0000000000-7f0000800000 rw-p 00000000 00:00 0 \n"
      "Size:               8192 kB\n"
      "AnonHugePages:      6144 kB\n"
      "VmFlags: rd wr mr mw me ac hg\n";
  EXPECT_EQ(anon_huge_bytes(smaps, 0x7f0000001000), 6144u * 1024);
  EXPECT_EQ(anon_huge_bytes(smaps, 0x55d0c0a00010), 0u);
  EXPECT_EQ(anon_huge_bytes(smaps, 0x7f0000800000), std::nullopt);  // one past the end
  EXPECT_EQ(anon_huge_bytes("", 0x1000), std::nullopt);
}

TEST(Catalogue, EveryFamilyOfTheTeachingCatalogueIsRegisteredInOrder) {
  std::vector<std::string> names;
  for (const Family& f : families()) names.push_back(f.name);
  const std::vector<std::string> expected = {
      "stack_array", "heap_vector", "scattered_nodes", "arena_nodes", "allocation", "latency",
      "element_size", "stride", "bandwidth", "traversal_order", "aos_soa", "tlb", "false_sharing"};
  EXPECT_EQ(names, expected);
  for (const Family& f : families()) {
    EXPECT_FALSE(f.demonstrates.empty()) << f.name;
    EXPECT_FALSE(f.expected.empty()) << f.name;
  }
  EXPECT_NE(find_case("stride/every_16/123"), nullptr);
  EXPECT_EQ(find_case("stride/every_17/123"), nullptr);
  EXPECT_FALSE(find_case("false_sharing/same_line/1")->simulate);
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
  EXPECT_DOUBLE_EQ(counter("arena_nodes/build_bump", "allocs_per_iter"), 1);
  EXPECT_DOUBLE_EQ(counter("arena_nodes/build_pool", "allocs_per_iter"), 1);
  EXPECT_LT(counter("arena_nodes/build_pmr_monotonic", "allocs_per_iter"), 64);
}

TEST(Cases, SmallStackArrayStaysOnTheCallingThreadAndABigOneMoves) {
  EXPECT_EQ(counter("stack_array/sum", "big_stack_thread"), 0);
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
      link_cycle(nodes, order);
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
  link_cycle(nodes, ChaseOrder::random);
  const auto random = visit_order(nodes);
  std::size_t adjacent = 0;
  for (std::size_t i = 1; i < random.size(); ++i) adjacent += random[i] == random[i - 1] + 1;
  EXPECT_LT(adjacent, random.size() / 50);  // a random cycle rarely steps to the next line

  link_cycle(nodes, ChaseOrder::page_random);
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
