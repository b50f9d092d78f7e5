// bandwidth: sequential read, write and copy bandwidth against working set
// (bytes per second: the plateau of each cache level and of memory). The
// kernels are kernels.h's: the widest vectors this CPU has, dispatched at
// run time, with four independent accumulators. Reads also run at each
// narrower width, down to plain 64-bit loads, and (on x86-64) with
// non-temporal loads; the read bandwidth at a size is the best of them, as
// likwid-bench's is the best of its load kernels. Read and write count the
// buffer once per pass, copy twice (read and write), as STREAM and
// likwid-bench do; an ordinary write or copy also makes the core read every
// line it writes (read for ownership), traffic these figures do not count
// (the stores family shows it). A small buffer is passed over several times
// per iteration (at least 1 MiB of traffic); the `elements` counter is the
// 64-bit words touched per iteration and `passes_per_iter` says how many
// passes that is.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/streams.h"
#include "core/timing.h"

namespace locality {
namespace {

std::vector<std::size_t> words_ladder(std::size_t llc_bytes, bool quick) {
  std::vector<std::size_t> bytes;
  if (quick) {
    bytes = {16u << 10, 256u << 10, 4u << 20, round_up_pow2(2 * llc_bytes)};
  } else {
    for (std::size_t b = 16u << 10; b <= round_up_pow2(4 * llc_bytes); b *= 2) bytes.push_back(b);
  }
  for (auto& b : bytes) b /= sizeof(Word);
  return bytes;
}

enum class Kind { read, read_nt, write, copy };

template <Kind K, kernels::Width W = kernels::Width::widest>
void run(benchmark::State& state, std::size_t words) {
  if (words % 32 != 0) {
    state.SkipWithError("buffers must be a multiple of 256 bytes");
    return;
  }
  WordBuffers& f = word_buffers("bandwidth", words);
  const std::size_t passes = passes_for(words * sizeof(Word));
  constexpr Word kValue = 0x5a5a5a5a5a5a5a5aull;
  Word got = 0;
  time_passes(state, words, passes, K == Kind::copy ? 2 : 1, [&] {
    escape(f.src);
    if constexpr (K == Kind::read) {
      got = kernels::read_words(f.src, words, passes, W);
    } else if constexpr (K == Kind::read_nt) {
      got = kernels::read_words_nontemporal(f.src, words, passes);
    } else if constexpr (K == Kind::write) {
      kernels::write_words(f.dst, words, passes, kValue);
    } else {
      kernels::copy_words(f.dst, f.src, words, passes);
    }
    escape(f.dst);
    escape(&got);
  });
  state.counters["vector_bits"] = K == Kind::read_nt ? 128 : kernels::width_bits(W);
  state.counters["nontemporal"] = K == Kind::read_nt ? 1 : 0;
  bool ok = true;
  if constexpr (K == Kind::read || K == Kind::read_nt) {
    ok = got == static_cast<Word>(words) * static_cast<Word>(words - 1) / 2 * passes;
  } else if constexpr (K == Kind::write) {
    for (std::size_t i = 0; i < words && ok; ++i) ok = f.dst[i] == kValue;
  } else {
    ok = std::memcmp(f.dst, f.src, words * sizeof(Word)) == 0;
  }
  if (!ok) state.SkipWithError("the kernel did not read or write every word");
  // Later cases expect the destination as it was built.
  if constexpr (K == Kind::write || K == Kind::copy) f.reset_destination();
}

// A capped width runs where it is narrower than the widest (else it is
// `read` again).
template <int Bits>
std::string not_narrower() {
  const int widest = kernels::vector_bits();
  return widest <= Bits ? "this CPU's widest vectors (" + kernels::vector_target() + ") are " +
                              std::to_string(widest) + " bits: this would run bandwidth/read's kernel again"
                        : "";
}

Case case_of(const char* name, const char* summary, CaseFn fn, std::string (*unavailable)() = nullptr,
             Unit unit = {}) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = 16.5, .fn = fn, .unit = unit,
          .unavailable = unavailable};
}

const bool kRegistered = add_family({
    .name = "bandwidth",
    .title = "Read, write and copy bandwidth",
    .order = 90,
    .demonstrates = "Sequential read, write and copy bandwidth against working set, with vector kernels "
                    "as wide as the CPU allows, and reads at each narrower width down to plain 64-bit "
                    "loads and with non-temporal loads (bytes per second; read and write count the "
                    "buffer once, copy twice).",
    .expected = "Bandwidth falls in plateaus as the buffer leaves each cache: highest in L1, lower in L2, "
                "lower again in the last-level cache, lowest from memory. Reading from L1 runs at three "
                "times or more the rate of reading from memory, and no buffer reads more than 15% faster "
                "than the next smaller one.",
    .unit = {"word", sizeof(Word)},
    .size_name = "64-bit words",
    .cases = {
        [] {
          Case c = case_of("read", "add every 64-bit word of the buffer into vector accumulators (widest vectors)",
                           &run<Kind::read>).labelled("read, widest vectors");
          c.gallery = "bandwidth";
          return c;
        }(),
        case_of("read_256", "the same read with 256-bit vectors", &run<Kind::read, kernels::Width::at_most_256>,
                &not_narrower<256>).labelled("read, 256-bit vectors"),
        case_of("read_128", "the same read with 128-bit vectors", &run<Kind::read, kernels::Width::at_most_128>,
                &not_narrower<128>).labelled("read, 128-bit vectors"),
        case_of("read_scalar", "the same read with plain 64-bit loads into general registers",
                &run<Kind::read, kernels::Width::scalar>).labelled("read, 64-bit scalar loads"),
        case_of("read_nt", "the same read with 128-bit non-temporal loads (MOVNTDQA)", &run<Kind::read_nt>,
                &kernels::nontemporal_loads_unavailable).labelled("read, non-temporal loads"),
        case_of("write", "store a constant into every 64-bit word of the buffer", &run<Kind::write>).labelled("write"),
        case_of("copy", "copy the buffer to a second buffer", &run<Kind::copy>, nullptr,
                {"word copied (read and written)", 2 * sizeof(Word)}).labelled("copy"),
    },
    .claims = {
        {.kind = "growth",
         .says = "reading from memory costs 2x to 32x more per word than from L1: L1 delivers 32 to 128 bytes "
                 "a cycle to a core, DRAM some 4 to 16 to one core (32 / 16 to 128 / 4)",
         .cases = {"read"}, .at = "in:L1", .to = "beyond:LLC", .min = 2, .max = 32},
        {.kind = "monotone", .says = "no buffer reads more than 15% faster than the next smaller one",
         .cases = {"read"}, .min = 1 / 1.15, .rate = false},
    },
    .metric = Metric::bandwidth,
    .statistic = Statistic::minimum,
    .ladder = &words_ladder,
});

}  // namespace
}  // namespace locality
