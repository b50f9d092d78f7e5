// tlb: a random chase over a buffer far larger than the TLB covers with
// 4 KiB pages, once backed by 4 KiB pages (madvise MADV_NOHUGEPAGE) and
// once by transparent huge pages of 2 MiB (madvise MADV_HUGEPAGE). With
// small pages almost every step also misses the TLB and pays a page walk;
// with huge pages a few hundred TLB entries cover the whole buffer. Whether
// the kernel granted huge pages is read from /proc/self/smaps and recorded
// as `huge_page_share` (0 where THP is disabled: the two cases then measure
// the same thing, and the report says so). The number in a name is the
// count of 64-byte lines in the buffer; each load is one step of the chase.
#include "cases/tlb.h"

#include <sys/mman.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cases/chase.h"
#include "cases/family.h"
#include "cases/timing.h"

namespace locality {

std::optional<std::size_t> anon_huge_bytes(const std::string& smaps, std::uintptr_t address) {
  std::istringstream in(smaps);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    // A mapping's header: "start-end perms offset dev inode [path]", in hex.
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find_first_not_of("0123456789abcdef") == dash) {
      const std::uintptr_t start = std::stoull(line.substr(0, dash), nullptr, 16);
      const std::uintptr_t end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
      inside = start <= address && address < end;
      continue;
    }
    if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      std::istringstream fields(line.substr(14));
      std::size_t kib = 0;
      if (!(fields >> kib)) return std::nullopt;
      return kib * 1024;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> anon_huge_bytes_now(const void* address) {
  std::ifstream in("/proc/self/smaps");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return anon_huge_bytes(text.str(), reinterpret_cast<std::uintptr_t>(address));
}

namespace {

constexpr std::size_t kHuge = std::size_t{2} << 20;

std::vector<std::size_t> lines_ladder(std::size_t llc_bytes, bool quick) {
  if (quick) return {(std::size_t{64} << 20) / sizeof(LineNode)};
  std::vector<std::size_t> lines;
  for (std::size_t b = std::size_t{4} << 20; b <= round_up_pow2(8 * llc_bytes); b *= 4) {
    lines.push_back(b / sizeof(LineNode));
  }
  return lines;
}

// An anonymous mapping aligned to 2 MiB, so that huge pages can back all of
// it, advised before its first touch.
struct Mapping {
  void* raw = MAP_FAILED;
  std::size_t raw_bytes = 0;
  LineNode* nodes = nullptr;
  std::size_t huge_bytes = 0;
  bool huge_known = false;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (raw != MAP_FAILED) munmap(raw, raw_bytes);
  }
};

template <bool Huge>
void chase_mapping(benchmark::State& state, std::size_t n) {
  const std::size_t bytes = n * sizeof(LineNode);
  auto& m = FixtureSlot::get<Mapping>(std::string("tlb/") + (Huge ? "huge/" : "small/") + std::to_string(n),
                                      [n, bytes] {
    auto built = std::make_unique<Mapping>();
    built->raw_bytes = bytes + kHuge;
    built->raw = mmap(nullptr, built->raw_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (built->raw == MAP_FAILED) throw std::bad_alloc();
    const auto base = (reinterpret_cast<std::uintptr_t>(built->raw) + kHuge - 1) & ~(kHuge - 1);
    built->nodes = reinterpret_cast<LineNode*>(base);
    madvise(built->nodes, bytes, Huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    const auto next = cycle_successors(n, ChaseOrder::random, 4096 / sizeof(LineNode));
    for (std::size_t i = 0; i < n; ++i) built->nodes[i].next = &built->nodes[next[i]];
    if (auto h = anon_huge_bytes_now(built->nodes)) {
      built->huge_bytes = *h;
      built->huge_known = true;
    }
    return built;
  });
  time_chase(state, m.nodes, n, bytes);
  // Absent, not zero, when smaps could not be read.
  if (m.huge_known) {
    state.counters["huge_page_share"] = std::min(1.0, static_cast<double>(m.huge_bytes) / static_cast<double>(bytes));
  }
}

const bool kRegistered = add_family({
    "tlb",
    "A random chase over a large buffer backed by 4 KiB pages against the same chase over "
    "transparent huge pages (2 MiB, madvise MADV_HUGEPAGE); huge_page_share says how much of "
    "the buffer the kernel really backed with huge pages (from /proc/self/smaps).",
    "Where huge pages were granted, the chase over them costs less per load than over 4 KiB "
    "pages once the buffer is larger than the small pages' TLB reach (a few MiB), because most "
    "of its steps no longer pay a page walk; both cost a cache miss per load.",
    {
        {"random_4k_pages", "random chase over a buffer of 4 KiB pages", 80, &chase_mapping<false>},
        {"random_huge_pages", "random chase over a buffer of 2 MiB transparent huge pages", 80,
         &chase_mapping<true>},
    },
    &lines_ladder,
});

}  // namespace
}  // namespace locality
