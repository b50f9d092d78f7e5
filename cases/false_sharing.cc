// false_sharing: two threads, each incrementing its own counter, with the
// two counters in one cache line or padded to separate lines (Ostrovsky's
// example 6; Drepper section 6.4.2). The threads share no data, but a line
// is the unit of coherence: every store by one thread invalidates the
// other's copy, and the line travels between the cores on every increment.
// A third case does the same increments on one thread, as the baseline. The
// counters are std::atomic, incremented by fetch_add (a locked add: each
// increment needs the line exclusively, as statistics counters shared by
// threads do; plain stores would let the store buffer batch them). The number in a name
// is the increments per thread per iteration; the time is per increment of
// each thread (both run at once). On a machine whose two logical CPUs are
// hyperthreads of one core the line never leaves that core's L1 and the
// effect is small: the helper thread runs on another core where there is
// one (core/cpus.h), and records which CPU it used.
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/cpus.h"
#include "core/family.h"
#include "core/team.h"
#include "core/timing.h"

namespace locality {
namespace {

std::vector<std::size_t> increments_ladder(std::size_t /*llc_bytes*/, bool quick) {
  return {quick ? std::size_t{1} << 16 : std::size_t{1} << 20};
}

using Counter = std::atomic<std::uint64_t>;

__attribute__((noinline)) void bump(Counter& c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) c.fetch_add(1, std::memory_order_relaxed);
}

struct alignas(64) SameLine {
  Counter a{0};
  Counter b{0};
};
struct Padded {
  alignas(64) Counter a{0};
  alignas(64) Counter b{0};
};

template <typename Counters>
void two_threads(benchmark::State& state, std::size_t n) {
  Counters counters;
  Team team(1);
  const std::function<void(std::size_t)> work = [&](std::size_t worker) { bump(worker ? counters.b : counters.a, n); };
  std::uint64_t rounds = 0;
  auto once = [&] {
    team.run(work);
    ++rounds;
  };
  {
    CounterScope scope(state, {n, sizeof(Counters)}, once);
    for (auto _ : state) once();
  }
  if (counters.a.load() != rounds * n || counters.b.load() != rounds * n) {
    state.SkipWithError("an increment was lost");
  }
  state.counters["thread_count"] = 2;
  state.counters["helper_cpu"] = team.cpus().front();
  state.counters["counter_distance_bytes"] =
      static_cast<double>(reinterpret_cast<std::uintptr_t>(&counters.b) -
                          reinterpret_cast<std::uintptr_t>(&counters.a));
}

void one_thread(benchmark::State& state, std::size_t n) {
  Counter c{0};
  std::uint64_t rounds = 0;
  auto once = [&] {
    bump(c, n);
    ++rounds;
  };
  {
    CounterScope scope(state, {n, sizeof(Counter)}, once);
    for (auto _ : state) once();
  }
  if (c.load() != rounds * n) state.SkipWithError("an increment was lost");
  state.counters["thread_count"] = 1;
}

Case case_of(const char* name, const char* summary, CaseFn fn, bool two) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = 0, .fn = fn,
          .not_simulated = "a one-core cache simulation has no coherence traffic",
          .unavailable = two ? &second_cpu_unavailable : nullptr};
}

const bool kRegistered = add_family({
    .name = "false_sharing",
    .title = "False sharing",
    .order = 130,
    .demonstrates = "Two threads incrementing their own counters, with the counters in one cache line or "
                    "padded to separate lines, and one thread alone for comparison.",
    .expected = "With the counters in one line each increment costs several times what it costs with the "
                "counters padded apart; padded, each thread runs about as fast as one thread alone (where "
                "the two logical CPUs are separate cores).",
    .unit = {"increment", 0},
    .size_name = "increments per thread per iteration",
    .cases = {case_of("same_line", "two threads, counters 8 bytes apart in one line", &two_threads<SameLine>, true)
                  .labelled("counters in one line"),
              case_of("padded", "two threads, counters 64 bytes apart in separate lines", &two_threads<Padded>,
                      true).labelled("counters in separate lines"),
              case_of("one_thread", "one thread incrementing one counter", &one_thread, false).labelled("one thread")},
    .claims = {{.kind = "ratio", .says = "an increment costs at least twice as much with both counters in one line",
                .cases = {"same_line", "padded"}, .min = 2},
               {.kind = "ratio", .says = "padded apart, each thread runs within 1.5x of one thread alone",
                .cases = {"padded", "one_thread"}, .max = 1.5}},
    .ladder = &increments_ladder,
    .cycles = true,
});

}  // namespace
}  // namespace locality
