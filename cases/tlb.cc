// tlb: a random chase over a buffer far larger than the TLB covers with
// 4 KiB pages, once backed by 4 KiB pages (advised never to use huge pages)
// and once by transparent huge pages of 2 MiB (advised to). With small pages
// almost every step also misses the TLB and pays a page walk; with huge
// pages a few hundred TLB entries cover the whole buffer. Whether the kernel
// granted huge pages is read back and recorded as `huge_page_share` (0 where
// THP is disabled, absent where the system does not say: the two cases then
// measure the same thing, and the report says so). The number in a name is
// the count of 64-byte lines in the buffer; each load is one step of the
// chase. What the kernel grants differs from one allocation to the next, so
// each repetition maps its buffer anew.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/chase.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/pages.h"
#include "core/timing.h"

namespace locality {
namespace {

std::vector<std::size_t> lines_ladder(std::size_t llc_bytes, bool quick) {
  if (quick) return {(std::size_t{64} << 20) / sizeof(LineNode)};
  std::vector<std::size_t> lines;
  for (std::size_t b = std::size_t{4} << 20; b <= round_up_pow2(8 * llc_bytes); b *= 4) {
    lines.push_back(b / sizeof(LineNode));
  }
  return lines;
}

struct Mapped {
  std::unique_ptr<PageBuffer> pages;
  std::optional<std::size_t> huge_bytes;
};

template <bool Huge>
void chase_mapping(benchmark::State& state, std::size_t n) {
  const std::size_t bytes = n * sizeof(LineNode);
  auto& m = Fixtures::fresh<Mapped>("tlb/chase", bytes, [n, bytes] {
    auto built = std::make_unique<Mapped>();
    built->pages = std::make_unique<PageBuffer>(bytes, Huge);
    link_cycle(static_cast<LineNode*>(built->pages->data()), n, ChaseOrder::random);
    built->huge_bytes = built->pages->huge_bytes();
    return built;
  });
  time_chase(state, static_cast<const LineNode*>(m.pages->data()), n, bytes);
  if (m.huge_bytes) {
    state.counters["huge_page_share"] = std::min(1.0, static_cast<double>(*m.huge_bytes) / static_cast<double>(bytes));
  }
}

const bool kRegistered = add_family({
    .name = "tlb",
    .title = "TLB reach and huge pages",
    .order = 120,
    .demonstrates = "A random chase over a large buffer backed by 4 KiB pages against the same chase over "
                    "transparent huge pages (2 MiB, madvise MADV_HUGEPAGE); huge_page_share says how much "
                    "of the buffer the kernel really backed with huge pages.",
    .expected = "Where huge pages were granted, the chase over them costs less per load than over 4 KiB "
                "pages once the buffer is larger than the small pages' TLB reach (a few MiB), because most "
                "of its steps no longer pay a page walk; both cost a cache miss per load.",
    .unit = {"load", sizeof(LineNode)},
    .size_name = "lines (64 bytes)",
    .cases = {{.name = "random_4k_pages", .summary = "random chase over a buffer of 4 KiB pages",
               .peak_bytes_per_element = 80, .fn = &chase_mapping<false>, .label = "4 KiB pages",
               .not_simulated = "the simulator has no TLB: both page sizes give the same misses",
               .model = {.kind = "random"}},
              {.name = "random_huge_pages", .summary = "random chase over a buffer of 2 MiB transparent huge pages",
               .peak_bytes_per_element = 80, .fn = &chase_mapping<true>, .label = "2 MiB huge pages",
               .not_simulated = "the simulator has no TLB: both page sizes give the same misses",
               .model = {.kind = "random", .page_walks = false}}},
    .claims = {{.kind = "ratio",
                .says = "beyond the last-level cache a load over 4 KiB pages costs at least 5% more than over "
                        "huge pages",
                .cases = {"random_4k_pages", "random_huge_pages"}, .at = "beyond:LLC", .min = 1.05,
                .needs_counter = "huge_page_share", .needs_min = 0.5}},
    // The minimum, as the latency family's chases: every repetition chases the
    // same number of lines, only the mapping changes, and the fastest mapping is
    // the one that shows what the page size alone costs (the median mixed the
    // machine's slow moments into it: 1.03x and 1.16x in two runs where the
    // latency family's minima gave 1.21x and 1.27x).
    .statistic = Statistic::minimum,
    .ladder = &lines_ladder,
    .cycles = true,
});

}  // namespace
}  // namespace locality
