// stores: what writing costs beyond the caches (Drepper, "What Every
// Programmer Should Know About Memory", figures 3.13 and 3.14). An ordinary
// store to a line that is not in the cache must first bring the line in
// (read for ownership), and the modified line is written back when it is
// evicted: two transfers for every line written. A non-temporal (streaming)
// store writes whole lines straight to memory through write-combining
// buffers: one transfer, and no cache space. A read-modify-write (adding
// one to every word) needs the line in anyway: its traffic is that of the
// ordinary store. Beside them, a plain read of the same buffer. Every
// figure counts the buffer's bytes once per pass, so the ordinary write's
// read-for-ownership shows as a lower rate than the read's.
#include <cstring>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/kernels.h"
#include "core/streams.h"
#include "core/timing.h"

namespace locality {
namespace {

// From the L2 size to four times the last-level cache: the caches, then
// memory.
std::vector<std::size_t> words_ladder(std::size_t llc_bytes, bool quick) {
  std::vector<std::size_t> words;
  const std::size_t top = round_up_pow2(4 * llc_bytes);
  if (quick) return {(std::size_t{256} << 10) / sizeof(Word), top / sizeof(Word)};
  for (std::size_t b = std::size_t{256} << 10; b <= top; b *= 4) words.push_back(b / sizeof(Word));
  return words;
}

enum class Kind { read, write, write_nt, increment };

template <Kind K>
void run(benchmark::State& state, std::size_t words) {
  WordBuffers& f = word_buffers("stores", words);
  const std::size_t passes = passes_for(words * sizeof(Word));
  constexpr Word kValue = 0x0123456789abcdefull;
  Word got = 0;
  std::size_t increments = 0;
  time_passes(state, words, passes, 1, [&] {
    if constexpr (K == Kind::read) {
      escape(f.src);
      got = kernels::read_words(f.src, words, passes, kernels::Width::widest);
      escape(&got);
    } else if constexpr (K == Kind::write) {
      kernels::write_words(f.dst, words, passes, kValue);
    } else if constexpr (K == Kind::write_nt) {
      kernels::write_words_nontemporal(f.dst, words, passes, kValue);
    } else {
      kernels::increment_words(f.dst, words, passes);
      increments += passes;
    }
    escape(f.dst);
  });
  bool ok = true;
  if constexpr (K == Kind::read) {
    ok = got == static_cast<Word>(words) * static_cast<Word>(words - 1) / 2 * passes;
  } else if constexpr (K == Kind::increment) {
    for (std::size_t i = 0; i < words && ok; ++i) ok = f.dst[i] == i + increments;
  } else {
    for (std::size_t i = 0; i < words && ok; ++i) ok = f.dst[i] == kValue;
  }
  if (!ok) state.SkipWithError("the kernel did not read or write every word");
  state.counters["nontemporal"] = K == Kind::write_nt ? 1 : 0;
  if constexpr (K != Kind::read) f.reset_destination();
}

Case case_of(const char* name, const char* summary, CaseFn fn, std::string (*unavailable)() = nullptr) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = 16.5, .fn = fn, .unavailable = unavailable};
}

const bool kRegistered = add_family({
    .name = "stores",
    .title = "Ordinary and streaming stores",
    .order = 170,
    .demonstrates = "Writing a buffer with ordinary stores, with non-temporal (streaming) stores, and adding "
                    "one to every word (read-modify-write), beside reading it; bytes per second, each "
                    "counting the buffer once per pass.",
    .expected = "Beyond the last-level cache an ordinary store first reads the line it writes (read for "
                "ownership) and writes it back later: two transfers per line, so it writes the buffer more "
                "slowly than a read reads it. Non-temporal stores write whole lines without reading them "
                "and beat ordinary stores there; the read-modify-write moves what the ordinary store moves.",
    .unit = {"word", sizeof(Word)},
    .size_name = "64-bit words",
    .cases = {case_of("read", "read every word (the reference)", &run<Kind::read>).labelled("read"),
              case_of("write", "store a constant into every word (ordinary stores)", &run<Kind::write>)
                  .labelled("ordinary stores"),
              case_of("write_nt", "the same with non-temporal (streaming) stores", &run<Kind::write_nt>,
                      &kernels::nontemporal_stores_unavailable).labelled("non-temporal stores"),
              case_of("increment", "add one to every word (read, modify, write)", &run<Kind::increment>)
                  .labelled("read, modify, write")},
    .claims = {
        {.kind = "ratio",
         .says = "beyond the last-level cache non-temporal stores write at least 20% faster than ordinary ones",
         .cases = {"write_nt", "write"}, .at = "beyond:LLC", .min = 1.2, .rate = true},
        {.kind = "ratio",
         .says = "ordinary stores write the buffer no faster than a read reads it: each line is read before it is "
                 "written (read for ownership), then written back (a physical limit where stores read their lines "
                 "first, not a typical value: with a second transfer a line, typically slower)",
         .cases = {"write", "read"}, .at = "beyond:LLC", .max = 1.0, .rate = true},
    },
    .metric = Metric::bandwidth,
    .statistic = Statistic::minimum,
    .ladder = &words_ladder,
});

}  // namespace
}  // namespace locality
