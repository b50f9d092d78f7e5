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
// effect is small: the report's machine section shows the CPU count.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "cases/family.h"
#include "cases/timing.h"

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

// The helper thread's start and finish signals, each on a line of its own so
// that they add no sharing of their own to the counters' lines.
struct alignas(64) Signal {
  std::atomic<std::uint64_t> value{0};
};

template <typename Counters>
void two_threads(benchmark::State& state, std::size_t n) {
  if (std::thread::hardware_concurrency() < 2) {
    state.SkipWithError("needs two logical CPUs; this machine has one");
    return;
  }
  Counters counters;
  Signal go, done;
  std::atomic<bool> stop{false};
  std::thread helper([&] {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t g;
      while ((g = go.value.load(std::memory_order_acquire)) == seen) {
        if (stop.load(std::memory_order_relaxed)) return;
      }
      seen = g;
      bump(counters.b, n);
      done.value.store(g, std::memory_order_release);
    }
  });
  std::uint64_t round = 0;
  auto once = [&] {
    go.value.store(++round, std::memory_order_release);
    bump(counters.a, n);
    while (done.value.load(std::memory_order_acquire) != round) {
    }
  };
  {
    CounterScope scope(state, {n, sizeof(Counters)}, once);
    for (auto _ : state) once();
  }
  stop.store(true);
  helper.join();
  if (counters.a.load() != round * n || counters.b.load() != round * n) {
    state.SkipWithError("an increment was lost");
  }
  state.counters["threads"] = 2;
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
  state.counters["threads"] = 1;
}

const bool kRegistered = add_family({
    "false_sharing",
    "Two threads incrementing their own counters, with the counters in one cache line or "
    "padded to separate lines, and one thread alone for comparison.",
    "With the counters in one line each increment costs several times what it costs with the "
    "counters padded apart; padded, each thread runs about as fast as one thread alone (where "
    "the two logical CPUs are separate cores).",
    {
        {"same_line", "two threads, counters 8 bytes apart in one line", 0, &two_threads<SameLine>,
         0, {}, nullptr, false},
        {"padded", "two threads, counters 64 bytes apart in separate lines", 0, &two_threads<Padded>,
         0, {}, nullptr, false},
        {"one_thread", "one thread incrementing one counter", 0, &one_thread, 0, {}, nullptr, false},
    },
    &increments_ladder,
});

}  // namespace
}  // namespace locality
