// core_to_core: the latency of passing a cache line between two cores. Two
// threads on two cores play ping-pong on one atomic counter: each waits
// until the counter holds its turn and then advances it, so every hand-over
// moves the line from one core's cache to the other's and back. Against
// it, one thread doing the same wait-and-advance alone: the line never
// leaves its core. The time is per hand-over (half a round trip). On a
// virtual machine which physical cores (or hyperthreads of one core) run
// the two threads is unknown, and the figure is what this machine's
// placement gave.
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

std::vector<std::size_t> exchanges_ladder(std::size_t /*llc_bytes*/, bool quick) {
  return {quick ? std::size_t{1} << 12 : std::size_t{1} << 16};
}

struct alignas(64) Ball {
  std::atomic<std::uint64_t> turn{0};
};

// Takes every `step`-th turn from first + offset on, of the n turns from
// `first`: two workers take the even and the odd turns (step 2), one
// worker takes them all (step 1).
__attribute__((noinline)) void play(Ball& ball, std::uint64_t first, std::uint64_t n, std::uint64_t offset,
                                    std::uint64_t step) {
  for (std::uint64_t t = first + offset; t < first + n; t += step) {
    while (ball.turn.load(std::memory_order_acquire) != t) {
    }
    ball.turn.store(t + 1, std::memory_order_release);
  }
}

void two_cores(benchmark::State& state, std::size_t n) {
  Ball ball;
  Team team(1);
  std::uint64_t first = 0;
  const std::function<void(std::size_t)> work = [&](std::size_t worker) { play(ball, first, n, worker, 2); };
  auto once = [&] {
    team.run(work);
    first += n;
  };
  {
    CounterScope scope(state, {n, sizeof(Ball)}, once);
    for (auto _ : state) once();
  }
  if (ball.turn.load() != first) state.SkipWithError("a hand-over was lost");
  state.counters["helper_cpu"] = team.cpus().front();
  state.counters["thread_count"] = 2;
}

void one_core(benchmark::State& state, std::size_t n) {
  Ball ball;
  std::uint64_t first = 0;
  auto once = [&] {
    play(ball, first, n, 0, 1);  // every turn on this core
    first += n;
  };
  {
    CounterScope scope(state, {n, sizeof(Ball)}, once);
    for (auto _ : state) once();
  }
  if (ball.turn.load() != first) state.SkipWithError("a hand-over was lost");
  state.counters["thread_count"] = 1;
}

const bool kRegistered = add_family({
    .name = "core_to_core",
    .title = "A cache line passed between cores",
    .order = 190,
    .demonstrates = "Passing a cache line between two cores: two threads on two cores take turns advancing one "
                    "atomic counter (ping-pong), against one thread doing the same turns alone.",
    .expected = "A hand-over between two cores costs far more than the same turn on one core, where the line "
                "stays in L1: tens of ns or more, the time for the line to travel between the cores' caches "
                "(on a virtual machine, between wherever its two virtual CPUs run).",
    .unit = {"hand-over", 0},
    .size_name = "hand-overs per iteration",
    .cases = {{.name = "two_cores", .summary = "ping-pong on one atomic between threads on two cores",
               .fn = &two_cores,
               .label = "two cores", .not_simulated = "a one-core cache simulation has no coherence traffic",
               .unavailable = &second_cpu_unavailable},
              {.name = "one_core", .summary = "the same turns taken by one thread", .fn = &one_core,
               .label = "one core",
               .not_simulated = "a one-core cache simulation has no coherence traffic"}},
    // Not a ratio to one_core: a branch-predicted loop of about a cycle,
    // 150x below the hand-over on the development VM, says nothing.
    .claims = {{.kind = "value",
                .says = "a hand-over between two cores costs at least 5 ns: the line leaves one core's private "
                        "caches for the other's, which takes some 20 cycles or more on any machine at up to 4 GHz "
                        "(a physical limit, not a typical value)",
                .cases = {"two_cores"}, .min = 5}},
    .statistic = Statistic::median,
    .ladder = &exchanges_ladder,
    .cycles = true,
});

}  // namespace
}  // namespace locality
