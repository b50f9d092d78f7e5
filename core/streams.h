// What the streaming families (bandwidth, stores, threads) share: buffers of
// 64-bit words, page-aligned and touched when built, and the timed loop
// over whole passes of them.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/counters.h"

namespace locality {

using Word = std::uint64_t;

// A source and a destination of `words` words each, word i holding i.
struct WordBuffers {
  Word* src = nullptr;
  Word* dst = nullptr;
  std::size_t words = 0;
  explicit WordBuffers(std::size_t n);
  WordBuffers(const WordBuffers&) = delete;
  WordBuffers& operator=(const WordBuffers&) = delete;
  ~WordBuffers();
  // Puts word i back to i in the destination (after a write or copy).
  void reset_destination();
};

// The buffers for `words` words, kept between the runs of a family.
WordBuffers& word_buffers(const std::string& family, std::size_t words);

// Passes over a buffer of `bytes` in one iteration: at least 1 MiB of
// traffic, so that a small buffer's iteration is not dominated by the
// benchmark loop.
inline std::size_t passes_for(std::size_t bytes) {
  return bytes >= (std::size_t{1} << 20) ? 1 : (std::size_t{1} << 20) / bytes;
}

// Times `once()` (which runs `passes` passes over `words` words of each of
// `buffers` buffers) as an iteration: the units are the words touched, the
// bytes processed the buffers' bytes per pass.
template <typename Once>
void time_passes(benchmark::State& state, std::size_t words, std::size_t passes, std::size_t buffers, Once&& once) {
  const std::size_t bytes = words * sizeof(Word);
  {
    CounterScope scope(state, {words * passes, buffers * bytes}, once);
    for (auto _ : state) once();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(buffers * bytes * passes));
  state.counters["passes_per_iter"] = static_cast<double>(passes);
}

}  // namespace locality
