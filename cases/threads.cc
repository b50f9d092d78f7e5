// threads: bandwidth against the number of threads, each on a core of its
// own (pmbw and likwid-bench sweep the same way). Every thread reads (or
// writes, or copies) a buffer of its own, L2-sized or far beyond the
// last-level cache, or all threads read one shared buffer; the figure is the
// bytes per second of all threads together. A core's L2 is its own, so L2
// bandwidth grows with every core added; memory's does too, until the
// memory channels (or, on a virtual machine, the host) are saturated: one
// core alone cannot use all of it, which only this sweep shows. The number
// in a name is the thread count, from 1 to the CPUs this run may use; with
// one CPU there is nothing to sweep, and the report says so.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/cpus.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/machine.h"
#include "core/streams.h"
#include "core/team.h"
#include "core/timing.h"

namespace locality {
namespace {

std::vector<std::size_t> threads_ladder(std::size_t /*llc_bytes*/, bool quick) {
  const std::size_t cpus = std::max<std::size_t>(1, run_allowed_cpus().size());
  if (quick) return cpus > 1 ? std::vector<std::size_t>{1, cpus} : std::vector<std::size_t>{1};
  std::vector<std::size_t> t;
  for (std::size_t n = 1; n <= cpus; n = n < 4 ? n + 1 : n * 2) t.push_back(n);
  if (t.back() != cpus) t.push_back(cpus);
  return t;
}

// Words per thread: half of L2, or twice the last-level cache.
std::size_t buffer_words(bool memory) {
  const auto& caches = this_machine().caches;
  if (memory) {
    const auto llc = last_level_cache(caches);
    return round_up_pow2(2 * (llc ? llc->size_bytes : std::size_t{32} << 20)) / sizeof(Word);
  }
  const auto l2 = data_cache(caches, 2);
  return (l2 ? l2->size_bytes : std::size_t{256} << 10) / 2 / sizeof(Word);
}

struct PerThread {
  std::vector<std::unique_ptr<WordBuffers>> buffers;
};

enum class Kind { read, write, copy };

template <Kind K, bool Memory, bool Shared = false>
void sweep(benchmark::State& state, std::size_t threads) {
  const std::size_t words = buffer_words(Memory);
  const std::size_t count = Shared ? 1 : threads;
  auto& f = Fixtures::get<PerThread>("threads/" + std::to_string(Memory) + "/" + std::to_string(count), count * 2 * words * sizeof(Word),
                                     [count, words] {
    auto built = std::make_unique<PerThread>();
    for (std::size_t i = 0; i < count; ++i) built->buffers.push_back(std::make_unique<WordBuffers>(words));
    return built;
  });
  const std::size_t passes = passes_for(words * sizeof(Word));
  Team team(threads - 1);
  std::vector<Word> sums(threads * 8);  // a line per thread
  const std::function<void(std::size_t)> work = [&](std::size_t t) {
    WordBuffers& b = *f.buffers[Shared ? 0 : t];
    if constexpr (K == Kind::read) {
      sums[t * 8] = kernels::read_words(b.src, words, passes, kernels::Width::widest);
    } else if constexpr (K == Kind::write) {
      kernels::write_words(b.dst, words, passes, t);
    } else {
      kernels::copy_words(b.dst, b.src, words, passes);
    }
  };
  time_passes(state, words * threads, passes, K == Kind::copy ? 2 : 1, [&] {
    team.run(work);
    escape(sums.data());
  });
  state.counters["thread_count"] = static_cast<double>(threads);
  state.counters["bytes_per_thread"] = static_cast<double>(words * sizeof(Word));
  const Word want = static_cast<Word>(words) * static_cast<Word>(words - 1) / 2 * passes;
  bool ok = true;
  for (std::size_t t = 0; t < threads && K == Kind::read; ++t) ok = ok && sums[t * 8] == want;
  if (!ok) state.SkipWithError("a thread did not read every word");
  if constexpr (K != Kind::read) {
    for (auto& b : f.buffers) b->reset_destination();
  }
}

// Two buffers (source and destination) of buffer_words per thread, or one
// pair shared by all.
template <bool Memory, bool Shared = false>
double team_bytes(std::size_t threads) {
  return static_cast<double>(Shared ? 1 : threads) * 2.0 * static_cast<double>(buffer_words(Memory) * sizeof(Word));
}

Case case_of(const char* name, const char* summary, CaseFn fn, double (*peak)(std::size_t), const char* label) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = 0, .fn = fn, .label = label,
          .axis = {"thread_count", "threads, each on a core of its own"},
          .not_simulated = "a one-core cache simulation has no cores to share memory between",
          .peak_bytes = peak};
}

const bool kRegistered = add_family({
    .name = "threads",
    .title = "Bandwidth as threads are added",
    .order = 150,
    .demonstrates = "Read, write and copy bandwidth of all threads together, from one thread to one per CPU "
                    "this run may use, each on a core of its own, over a buffer per thread (in L2, or far "
                    "beyond the last-level cache) or one buffer all threads read.",
    .expected = "L2 bandwidth grows with every core added (each core has its own L2). Memory bandwidth grows "
                "too until the memory is saturated: one core alone cannot use all of it. With one CPU there "
                "is nothing to sweep.",
    .unit = {"word", sizeof(Word)},
    .size_name = "threads",
    .cases = {case_of("read_l2", "every thread reads its own L2-sized buffer", &sweep<Kind::read, false>, &team_bytes<false>,
                      "read, own buffer in L2"),
              case_of("read_memory", "every thread reads its own buffer of twice the last-level cache",
                      &sweep<Kind::read, true>, &team_bytes<true>, "read, own buffer beyond the last level"),
              case_of("read_memory_shared", "all threads read one buffer of twice the last-level cache",
                      &sweep<Kind::read, true, true>, &team_bytes<true, true>, "read, one shared buffer"),
              case_of("write_memory", "every thread writes its own buffer beyond the last-level cache",
                      &sweep<Kind::write, true>, &team_bytes<true>, "write, own buffer"),
              case_of("copy_memory", "every thread copies its own buffer beyond the last-level cache",
                      &sweep<Kind::copy, true>, &team_bytes<true>, "copy, own buffer")},
    .claims = {{.kind = "growth", .says = "all threads together read L2 at least 1.5x as fast as one thread",
                .cases = {"read_l2"}, .at = "first", .to = "last", .min = 1.5, .rate = true},
               {.kind = "growth", .says = "and memory at least 1.2x as fast as one thread",
                .cases = {"read_memory"}, .at = "first", .to = "last", .min = 1.2, .rate = true}},
    .metric = Metric::bandwidth,
    .statistic = Statistic::minimum,
    .ladder = &threads_ladder,
});

}  // namespace
}  // namespace locality
