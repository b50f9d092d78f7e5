// bandwidth: sequential read, write and copy bandwidth against working set
// (bytes per second: the plateau of each cache level and of memory). The
// kernels are vectorised by hand with the widest vectors the CPU offers,
// chosen at run time (AVX-512, AVX2, or SSE2, the x86-64 baseline the suite
// is compiled for), so they reach what the hardware allows rather than what
// the compiler's baseline target does. The widest is not always the fastest:
// from memory, narrower loads can stream faster (as likwid-bench's scalar
// kernel does here), so reads also run at 256, 128 and 64 bits, and with
// non-temporal loads; "the read bandwidth" at a size is the best of them. Reads add every 64-bit word into
// four independent accumulators (one add per load, no dependency chain);
// writes store a constant; copy does both. Bytes counted: read and write
// count the buffer once per pass, copy counts it twice (read plus write, as
// STREAM and likwid-bench count; mbw counts a copy once). Small buffers are
// passed over several times per iteration (at least 1 MiB per iteration) so
// the benchmark loop's own cost stays out of the figure; the `elements`
// counter is the 64-bit words touched per iteration and `passes_per_iter`
// says how many passes that is.
#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cases/family.h"
#include "cases/timing.h"

namespace locality {
namespace {

using Word = std::uint64_t;

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

// Widest vectors this CPU runs (under valgrind, which does not emulate
// AVX-512, CPUID says so and AVX2 is used).
int vector_bits() {
  static const int bits = __builtin_cpu_supports("avx512f") ? 512
                          : __builtin_cpu_supports("avx2")  ? 256
                                                            : 128;
  return bits;
}

// Buffers are whole numbers of 256 bytes (4 vectors of the widest kind).
__attribute__((target("avx512f"))) Word read_512(const Word* p, std::size_t words, std::size_t passes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 32) {
      a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + i));
      a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + i + 8));
      a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + i + 16));
      a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + i + 24));
    }
  }
  alignas(64) Word lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
  Word sum = 0;
  for (Word w : lanes) sum += w;
  return sum;
}

__attribute__((target("avx2"))) Word read_256(const Word* p, std::size_t words, std::size_t passes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 16) {
      a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
      a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
      a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
      a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
    }
  }
  alignas(32) Word lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

Word read_128(const Word* p, std::size_t words, std::size_t passes) {
  __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 8) {
      a0 = _mm_add_epi64(a0, _mm_load_si128(reinterpret_cast<const __m128i*>(p + i)));
      a1 = _mm_add_epi64(a1, _mm_load_si128(reinterpret_cast<const __m128i*>(p + i + 2)));
      a2 = _mm_add_epi64(a2, _mm_load_si128(reinterpret_cast<const __m128i*>(p + i + 4)));
      a3 = _mm_add_epi64(a3, _mm_load_si128(reinterpret_cast<const __m128i*>(p + i + 6)));
    }
  }
  alignas(16) Word lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes),
                  _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3)));
  return lanes[0] + lanes[1];
}

// Non-temporal loads (MOVNTDQA), what likwid-bench's "load_mem" kernel
// uses: a hint that the data will not be reused, which some CPUs honour for
// ordinary write-back memory (this AMD one streams from memory faster with
// it: 36 against 31 GB/s at 128 MiB).
__attribute__((target("avx512f"))) Word read_nt_512(const Word* p, std::size_t words, std::size_t passes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 32) {
      a0 = _mm512_add_epi64(a0, _mm512_stream_load_si512(const_cast<Word*>(p + i)));
      a1 = _mm512_add_epi64(a1, _mm512_stream_load_si512(const_cast<Word*>(p + i + 8)));
      a2 = _mm512_add_epi64(a2, _mm512_stream_load_si512(const_cast<Word*>(p + i + 16)));
      a3 = _mm512_add_epi64(a3, _mm512_stream_load_si512(const_cast<Word*>(p + i + 24)));
    }
  }
  alignas(64) Word lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
  Word sum = 0;
  for (Word w : lanes) sum += w;
  return sum;
}

__attribute__((target("avx2"))) Word read_nt_256(const Word* p, std::size_t words, std::size_t passes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 16) {
      a0 = _mm256_add_epi64(a0, _mm256_stream_load_si256(reinterpret_cast<const __m256i*>(p + i)));
      a1 = _mm256_add_epi64(a1, _mm256_stream_load_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
      a2 = _mm256_add_epi64(a2, _mm256_stream_load_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
      a3 = _mm256_add_epi64(a3, _mm256_stream_load_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
    }
  }
  alignas(32) Word lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("sse4.1"))) Word read_nt_128(const Word* p, std::size_t words, std::size_t passes) {
  __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 8) {
      a0 = _mm_add_epi64(a0, _mm_stream_load_si128(const_cast<__m128i*>(reinterpret_cast<const __m128i*>(p + i))));
      a1 = _mm_add_epi64(a1, _mm_stream_load_si128(const_cast<__m128i*>(reinterpret_cast<const __m128i*>(p + i + 2))));
      a2 = _mm_add_epi64(a2, _mm_stream_load_si128(const_cast<__m128i*>(reinterpret_cast<const __m128i*>(p + i + 4))));
      a3 = _mm_add_epi64(a3, _mm_stream_load_si128(const_cast<__m128i*>(reinterpret_cast<const __m128i*>(p + i + 6))));
    }
  }
  alignas(16) Word lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3)));
  return lanes[0] + lanes[1];
}

// Plain 64-bit loads, four independent sums: what likwid-bench's scalar
// "load" kernel does. From memory it can beat the vector kernels (fewer
// lines in flight at once; seen here: 33 against 26 GB/s at 64 MiB).
Word read_64(const Word* p, std::size_t words, std::size_t passes) {
  Word a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 4) {
      a0 += p[i];
      a1 += p[i + 1];
      a2 += p[i + 2];
      a3 += p[i + 3];
    }
    escape(p);
  }
  return a0 + a1 + a2 + a3;
}

__attribute__((target("avx512f"))) void write_512(Word* p, std::size_t words, std::size_t passes, Word v) {
  const __m512i x = _mm512_set1_epi64(static_cast<long long>(v));
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 32) {
      _mm512_store_si512(p + i, x);
      _mm512_store_si512(p + i + 8, x);
      _mm512_store_si512(p + i + 16, x);
      _mm512_store_si512(p + i + 24, x);
    }
    escape(p);
  }
}

__attribute__((target("avx2"))) void write_256(Word* p, std::size_t words, std::size_t passes, Word v) {
  const __m256i x = _mm256_set1_epi64x(static_cast<long long>(v));
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 16) {
      for (std::size_t j = 0; j < 16; j += 4) _mm256_store_si256(reinterpret_cast<__m256i*>(p + i + j), x);
    }
    escape(p);
  }
}

void write_128(Word* p, std::size_t words, std::size_t passes, Word v) {
  const __m128i x = _mm_set1_epi64x(static_cast<long long>(v));
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 8) {
      for (std::size_t j = 0; j < 8; j += 2) _mm_store_si128(reinterpret_cast<__m128i*>(p + i + j), x);
    }
    escape(p);
  }
}

__attribute__((target("avx512f"))) void copy_512(Word* d, const Word* s, std::size_t words, std::size_t passes) {
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 32) {
      const __m512i x0 = _mm512_load_si512(s + i), x1 = _mm512_load_si512(s + i + 8);
      const __m512i x2 = _mm512_load_si512(s + i + 16), x3 = _mm512_load_si512(s + i + 24);
      _mm512_store_si512(d + i, x0);
      _mm512_store_si512(d + i + 8, x1);
      _mm512_store_si512(d + i + 16, x2);
      _mm512_store_si512(d + i + 24, x3);
    }
    escape(d);
  }
}

__attribute__((target("avx2"))) void copy_256(Word* d, const Word* s, std::size_t words, std::size_t passes) {
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 16) {
      for (std::size_t j = 0; j < 16; j += 4) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(d + i + j),
                           _mm256_load_si256(reinterpret_cast<const __m256i*>(s + i + j)));
      }
    }
    escape(d);
  }
}

void copy_128(Word* d, const Word* s, std::size_t words, std::size_t passes) {
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 8) {
      for (std::size_t j = 0; j < 8; j += 2) {
        _mm_store_si128(reinterpret_cast<__m128i*>(d + i + j),
                        _mm_load_si128(reinterpret_cast<const __m128i*>(s + i + j)));
      }
    }
    escape(d);
  }
}

struct Buffers {
  Word* src = nullptr;
  Word* dst = nullptr;
  Buffers() = default;
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  ~Buffers() {
    std::free(src);
    std::free(dst);
  }
};

Word* page_aligned(std::size_t words) {
  auto* p = static_cast<Word*>(std::aligned_alloc(4096, words * sizeof(Word)));
  if (p == nullptr) throw std::bad_alloc();
  for (std::size_t i = 0; i < words; ++i) p[i] = i;  // touches every page
  return p;
}

enum class Kind { read, read_nt, write, copy };

// `MaxBits` caps the vector width (64: scalar), for reads at each width.
template <Kind K, int MaxBits = 512>
void run(benchmark::State& state, std::size_t words) {
  if (words % 32 != 0) {
    state.SkipWithError("buffers must be a multiple of 256 bytes");
    return;
  }
  auto& f = FixtureSlot::get<Buffers>("bandwidth/" + std::to_string(words), [words] {
    auto built = std::make_unique<Buffers>();
    built->src = page_aligned(words);
    built->dst = page_aligned(words);
    return built;
  });
  const std::size_t bytes = words * sizeof(Word);
  const std::size_t passes = std::max<std::size_t>(1, (std::size_t{1} << 20) / bytes);
  const int bits = std::min(vector_bits(), MaxBits);
  // Non-temporal loads need SSE4.1 at least (not in the x86-64 baseline).
  if (K == Kind::read_nt && bits == 128 && !__builtin_cpu_supports("sse4.1")) {
    state.SkipWithError("non-temporal loads need SSE4.1, which this CPU lacks");
    return;
  }
  constexpr Word kValue = 0x5a5a5a5a5a5a5a5aull;
  Word got = 0;
  auto once = [&] {
    if constexpr (K == Kind::read) {
      escape(f.src);
      got = bits == 512 ? read_512(f.src, words, passes)
            : bits == 256 ? read_256(f.src, words, passes)
            : bits == 128 ? read_128(f.src, words, passes)
                          : read_64(f.src, words, passes);
      escape(&got);
    } else if constexpr (K == Kind::read_nt) {
      escape(f.src);
      got = bits == 512 ? read_nt_512(f.src, words, passes)
            : bits == 256 ? read_nt_256(f.src, words, passes)
                          : read_nt_128(f.src, words, passes);
      escape(&got);
    } else if constexpr (K == Kind::write) {
      bits == 512 ? write_512(f.dst, words, passes, kValue)
      : bits == 256 ? write_256(f.dst, words, passes, kValue)
                    : write_128(f.dst, words, passes, kValue);
    } else {
      escape(f.src);
      bits == 512 ? copy_512(f.dst, f.src, words, passes)
      : bits == 256 ? copy_256(f.dst, f.src, words, passes)
                    : copy_128(f.dst, f.src, words, passes);
    }
  };
  const std::size_t buffers = K == Kind::copy ? 2 : 1;
  state.counters["nontemporal"] = K == Kind::read_nt ? 1 : 0;
  {
    CounterScope scope(state, {words * passes, buffers * bytes}, once);
    for (auto _ : state) once();
  }
  // Bytes moved: the buffer once per pass (read, write) or twice (copy).
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(buffers * bytes * passes));
  state.counters["passes_per_iter"] = static_cast<double>(passes);
  state.counters["vector_bits"] = bits;
  bool ok = true;
  if constexpr (K == Kind::read || K == Kind::read_nt) {
    const Word per_pass = static_cast<Word>(words) * static_cast<Word>(words - 1) / 2;
    ok = got == per_pass * passes;
  } else if constexpr (K == Kind::write) {
    for (std::size_t i = 0; i < words && ok; ++i) ok = f.dst[i] == kValue;
  } else {
    ok = std::memcmp(f.dst, f.src, bytes) == 0;
  }
  if (!ok) state.SkipWithError("the kernel did not read or write every word");
  // Later cases expect the destination as it was built.
  if constexpr (K == Kind::write || K == Kind::copy) {
    for (std::size_t i = 0; i < words; ++i) f.dst[i] = i;
  }
}

const bool kRegistered = add_family({
    "bandwidth",
    "Sequential read, write and copy bandwidth against working set, with vector kernels as wide "
    "as the CPU allows, and reads at each narrower width down to plain 64-bit loads (bytes per "
    "second, read and write counting the buffer once, copy twice).",
    "Bandwidth falls in plateaus as the buffer leaves each cache: highest in L1, lower in L2, "
    "lower again in the last-level cache, lowest from memory. Reading from L1 runs at three "
    "times or more the rate of reading from memory, and no buffer reads more than 15% faster "
    "than the next smaller one.",
    {
        {"read", "add every 64-bit word of the buffer into vector accumulators", 16.5, &run<Kind::read>},
        {"read_256", "the same read with at most 256-bit vectors (AVX2 where the CPU has it)", 16.5,
         &run<Kind::read, 256>},
        {"read_128", "the same read with 128-bit vectors (SSE2)", 16.5, &run<Kind::read, 128>},
        {"read_64", "the same read with plain 64-bit loads", 16.5, &run<Kind::read, 64>},
        {"read_nt", "the same read with 128-bit non-temporal loads (MOVNTDQA)", 16.5,
         &run<Kind::read_nt, 128>},
        {"write", "store a constant into every 64-bit word of the buffer", 16.5, &run<Kind::write>},
        {"copy", "copy the buffer to a second buffer", 16.5, &run<Kind::copy>},
    },
    &words_ladder,
});

}  // namespace
}  // namespace locality
