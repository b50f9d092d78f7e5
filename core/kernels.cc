// Compiled once per Highway target (foreach_target re-includes this file);
// HWY_EXPORT's tables then pick the best target for this CPU at run time.

#ifndef LOCALITY_KERNELS_SHIFT_DONE
#define LOCALITY_KERNELS_SHIFT_DONE
#if defined(LOCALITY_CODE_SHIFT) && LOCALITY_CODE_SHIFT > 0
#define LOCALITY_STR2(x) #x
#define LOCALITY_STR(x) LOCALITY_STR2(x)
// Unrelated code placed before the kernels, LOCALITY_CODE_SHIFT bytes of it:
// a build whose code layout differs (runners/layout_check.sh).
extern "C" __attribute__((used, noinline)) void locality_code_shift() {
  asm volatile(".fill " LOCALITY_STR(LOCALITY_CODE_SHIFT) ", 1, 0x90");
}
#endif
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace locality::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

int WidestBits() { return static_cast<int>(hn::Lanes(hn::ScalableTag<std::uint8_t>()) * 8); }

// Four accumulators, each with a load of its own per step: four
// independent loads in flight per iteration, and no add waiting on another.
// The ends cost the same wherever the array lies: the ints before the first
// 64-byte boundary and the ints after the last whole step are added with a
// few vectors whose lanes outside them are zeroed, not one int at a time
// (a scalar head and tail of up to 46 ints made a short sum's cost depend
// on where the allocator put the array).
std::uint32_t SumInts(const std::int32_t* data, std::size_t n) {
  const hn::ScalableTag<std::uint32_t> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto* p = reinterpret_cast<const std::uint32_t*>(data);
  if (n < 4 * lanes) {  // too short for the ends' vectors
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += p[i];
      asm volatile("" : "+r"(sum));
    }
    return sum;
  }
  // The ends go to an accumulator of their own, so that the loop's four are
  // plain registers from zero (no copies between them in the loop).
  auto ends = hn::Zero(d);
  // Up to a 64-byte boundary (fewer than 16 ints, at most two vectors here:
  // n >= 4 lanes keeps both loads inside the array), so every load of the
  // loop is aligned and none straddles a cache line.
  const std::size_t head =
      std::min<std::size_t>(((64 - (reinterpret_cast<std::uintptr_t>(p) & 63)) & 63) / sizeof(std::uint32_t), n);
  for (std::size_t j = 0; j < head; j += lanes) {
    ends = hn::Add(ends, hn::IfThenElseZero(hn::FirstN(d, head - j), hn::LoadU(d, p + j)));
  }
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  const std::uint32_t* q = p + head;
  const std::uint32_t* const end = q + (n - head) / (4 * lanes) * (4 * lanes);
  for (; q != end; q += 4 * lanes) {
    a0 = hn::Add(a0, hn::Load(d, q));
    a1 = hn::Add(a1, hn::Load(d, q + lanes));
    a2 = hn::Add(a2, hn::Load(d, q + 2 * lanes));
    a3 = hn::Add(a3, hn::Load(d, q + 3 * lanes));
  }
  std::size_t i = static_cast<std::size_t>(end - p);
  for (; i + lanes <= n; i += lanes) ends = hn::Add(ends, hn::Load(d, p + i));
  if (i < n) {
    // The last vector of the array, its lanes before i (already added) zeroed.
    const std::size_t counted = lanes - (n - i);
    ends = hn::Add(ends, hn::IfThenZeroElse(hn::FirstN(d, counted), hn::LoadU(d, p + n - lanes)));
  }
  const auto all = hn::Add(ends, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)));
  return hn::GetLane(hn::SumOfLanes(d, all));
}

// The rows of a matrix, each `cols` ints, `pitch` ints apart: the same four
// accumulators carried from row to row and reduced once at the end, so a
// short row costs its loads, not a reduction and a call. Whole vectors of
// a row go to the accumulators in turn (a row of two vectors uses two of
// them); the ints after a row's last whole vector, present only when cols
// is not a multiple of the vector, are added one at a time.
std::uint32_t SumIntRows(const std::int32_t* data, std::size_t rows, std::size_t cols, std::size_t pitch) {
  const hn::ScalableTag<std::uint32_t> d;
  const std::size_t lanes = hn::Lanes(d);
  const std::size_t steps = cols / (4 * lanes);  // four-vector steps per row
  const std::size_t extra = cols / lanes % 4;    // whole vectors after them
  const std::size_t tail = cols % lanes;         // ints after the last whole vector
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  std::uint32_t rest = 0;
  const auto* row = reinterpret_cast<const std::uint32_t*>(data);
  for (std::size_t r = 0; r < rows; ++r, row += pitch) {
    const std::uint32_t* q = row;
    for (std::size_t s = 0; s < steps; ++s, q += 4 * lanes) {
      a0 = hn::Add(a0, hn::LoadU(d, q));
      a1 = hn::Add(a1, hn::LoadU(d, q + lanes));
      a2 = hn::Add(a2, hn::LoadU(d, q + 2 * lanes));
      a3 = hn::Add(a3, hn::LoadU(d, q + 3 * lanes));
    }
    if (extra > 0) a0 = hn::Add(a0, hn::LoadU(d, q));
    if (extra > 1) a1 = hn::Add(a1, hn::LoadU(d, q + lanes));
    if (extra > 2) a2 = hn::Add(a2, hn::LoadU(d, q + 2 * lanes));
    q += extra * lanes;
    for (std::size_t j = 0; j < tail; ++j) {
      rest += q[j];
      asm volatile("" : "+r"(rest));  // a scalar tail, not a vector loop of its own
    }
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)))) + rest;
}

// One kernel per operation, a template over the vector tag: the width is
// the tag (ScalableTag: the widest; CappedTag: at most N lanes).
template <class D>
std::uint64_t ReadWords(D d, const std::uint64_t* HWY_RESTRICT p, std::size_t words, std::size_t passes) {
  const std::size_t lanes = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 4 * lanes) {
      a0 = hn::Add(a0, hn::Load(d, p + i));
      a1 = hn::Add(a1, hn::Load(d, p + i + lanes));
      a2 = hn::Add(a2, hn::Load(d, p + i + 2 * lanes));
      a3 = hn::Add(a3, hn::Load(d, p + i + 3 * lanes));
    }
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
}

std::uint64_t ReadWidest(const std::uint64_t* p, std::size_t words, std::size_t passes) {
  return ReadWords(hn::ScalableTag<std::uint64_t>(), p, words, passes);
}
std::uint64_t Read256(const std::uint64_t* p, std::size_t words, std::size_t passes) {
  return ReadWords(hn::CappedTag<std::uint64_t, 4>(), p, words, passes);
}
std::uint64_t Read128(const std::uint64_t* p, std::size_t words, std::size_t passes) {
  return ReadWords(hn::CappedTag<std::uint64_t, 2>(), p, words, passes);
}
int Bits256() { return static_cast<int>(hn::Lanes(hn::CappedTag<std::uint64_t, 4>()) * 64); }
int Bits128() { return static_cast<int>(hn::Lanes(hn::CappedTag<std::uint64_t, 2>()) * 64); }

template <bool Streaming>
void StoreWords(std::uint64_t* HWY_RESTRICT p, std::size_t words, std::size_t passes, std::uint64_t value) {
  const hn::ScalableTag<std::uint64_t> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto v = hn::Set(d, value);
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 4 * lanes) {
      for (std::size_t k = 0; k < 4; ++k) {
        if constexpr (Streaming) {
          hn::Stream(v, d, p + i + k * lanes);
        } else {
          hn::Store(v, d, p + i + k * lanes);
        }
      }
    }
  }
}
void Write(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value) {
  StoreWords<false>(p, words, passes, value);
}
void WriteStreaming(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value) {
  StoreWords<true>(p, words, passes, value);
}

void Copy(std::uint64_t* HWY_RESTRICT dst, const std::uint64_t* HWY_RESTRICT src, std::size_t words,
          std::size_t passes) {
  const hn::ScalableTag<std::uint64_t> d;
  const std::size_t lanes = hn::Lanes(d);
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 4 * lanes) {
      const auto v0 = hn::Load(d, src + i), v1 = hn::Load(d, src + i + lanes);
      const auto v2 = hn::Load(d, src + i + 2 * lanes), v3 = hn::Load(d, src + i + 3 * lanes);
      hn::Store(v0, d, dst + i);
      hn::Store(v1, d, dst + i + lanes);
      hn::Store(v2, d, dst + i + 2 * lanes);
      hn::Store(v3, d, dst + i + 3 * lanes);
    }
  }
}

void Increment(std::uint64_t* HWY_RESTRICT p, std::size_t words, std::size_t passes) {
  const hn::ScalableTag<std::uint64_t> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto one = hn::Set(d, std::uint64_t{1});
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 4 * lanes) {
      for (std::size_t k = 0; k < 4; ++k) {
        hn::Store(hn::Add(hn::Load(d, p + i + k * lanes), one), d, p + i + k * lanes);
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace locality::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "core/kernels.h"

#if HWY_ARCH_X86
#include <immintrin.h>
#endif

namespace locality::kernels {

HWY_EXPORT(TargetName);
HWY_EXPORT(WidestBits);
HWY_EXPORT(SumInts);
HWY_EXPORT(SumIntRows);
HWY_EXPORT(ReadWidest);
HWY_EXPORT(Read256);
HWY_EXPORT(Read128);
HWY_EXPORT(Bits256);
HWY_EXPORT(Bits128);
HWY_EXPORT(Write);
HWY_EXPORT(WriteStreaming);
HWY_EXPORT(Copy);
HWY_EXPORT(Increment);

std::string vector_target() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }
int vector_bits() { return HWY_DYNAMIC_DISPATCH(WidestBits)(); }

std::uint32_t sum_ints(const int* data, std::size_t n) {
  return HWY_DYNAMIC_DISPATCH(SumInts)(reinterpret_cast<const std::int32_t*>(data), n);
}

std::uint32_t sum_int_rows(const int* data, std::size_t rows, std::size_t cols, std::size_t pitch) {
  return HWY_DYNAMIC_DISPATCH(SumIntRows)(reinterpret_cast<const std::int32_t*>(data), rows, cols, pitch);
}

std::uint32_t sum_ints_one_chain(const int* data, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += static_cast<std::uint32_t>(data[i]);
    // The sum must live in one general register after every add: the
    // compiler can neither vectorise nor split the chain.
    asm volatile("" : "+r"(sum));
  }
  return sum;
}

int width_bits(Width w) {
  switch (w) {
    case Width::widest: return vector_bits();
    case Width::at_most_256: return HWY_DYNAMIC_DISPATCH(Bits256)();
    case Width::at_most_128: return HWY_DYNAMIC_DISPATCH(Bits128)();
    case Width::scalar: break;
  }
  return 64;
}

// Plain 64-bit loads into four general registers. The empty asm keeps each
// sum in a register of its own at every step, so the compiler cannot turn
// the loop into vector loads (GCC did, without it); a test reads the
// machine code to check.
extern "C" __attribute__((noinline)) std::uint64_t locality_read_words_scalar(const std::uint64_t* p,
                                                                              std::size_t words,
                                                                              std::size_t passes) {
  std::uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 4) {
      a0 += p[i];
      a1 += p[i + 1];
      a2 += p[i + 2];
      a3 += p[i + 3];
      asm volatile("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3));
    }
  }
  return a0 + a1 + a2 + a3;
}

std::uint64_t read_words(const std::uint64_t* p, std::size_t words, std::size_t passes, Width w) {
  switch (w) {
    case Width::widest: return HWY_DYNAMIC_DISPATCH(ReadWidest)(p, words, passes);
    case Width::at_most_256: return HWY_DYNAMIC_DISPATCH(Read256)(p, words, passes);
    case Width::at_most_128: return HWY_DYNAMIC_DISPATCH(Read128)(p, words, passes);
    case Width::scalar: break;
  }
  return locality_read_words_scalar(p, words, passes);
}

void write_words(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value) {
  HWY_DYNAMIC_DISPATCH(Write)(p, words, passes, value);
}

void copy_words(std::uint64_t* dst, const std::uint64_t* src, std::size_t words, std::size_t passes) {
  HWY_DYNAMIC_DISPATCH(Copy)(dst, src, words, passes);
}

void increment_words(std::uint64_t* p, std::size_t words, std::size_t passes) {
  HWY_DYNAMIC_DISPATCH(Increment)(p, words, passes);
}

#if HWY_ARCH_X86

std::string nontemporal_loads_unavailable() {
  return __builtin_cpu_supports("sse4.1") ? "" : "MOVNTDQA needs SSE4.1, which this CPU lacks";
}

std::string nontemporal_stores_unavailable() { return ""; }

// MOVNTDQA, 128-bit (what likwid-bench's load_mem uses): a hint that the
// data will not be reused, which some CPUs honour for write-back memory.
__attribute__((target("sse4.1"))) std::uint64_t read_words_nontemporal(const std::uint64_t* p,
                                                                        std::size_t words,
                                                                        std::size_t passes) {
  __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
  auto at = [p](std::size_t i) { return const_cast<__m128i*>(reinterpret_cast<const __m128i*>(p + i)); };
  for (std::size_t r = 0; r < passes; ++r) {
    for (std::size_t i = 0; i < words; i += 8) {
      a0 = _mm_add_epi64(a0, _mm_stream_load_si128(at(i)));
      a1 = _mm_add_epi64(a1, _mm_stream_load_si128(at(i + 2)));
      a2 = _mm_add_epi64(a2, _mm_stream_load_si128(at(i + 4)));
      a3 = _mm_add_epi64(a3, _mm_stream_load_si128(at(i + 6)));
    }
  }
  alignas(16) std::uint64_t lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3)));
  return lanes[0] + lanes[1];
}

void write_words_nontemporal(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value) {
  HWY_DYNAMIC_DISPATCH(WriteStreaming)(p, words, passes, value);
  _mm_sfence();  // streaming stores are weakly ordered: finish them before the timer stops
}

#else

std::string nontemporal_loads_unavailable() {
  return "non-temporal loads (MOVNTDQA) exist on x86-64 only";
}
std::string nontemporal_stores_unavailable() {
  return "Highway's streaming store is an ordinary store on this ISA";
}
std::uint64_t read_words_nontemporal(const std::uint64_t* p, std::size_t words, std::size_t passes) {
  return read_words(p, words, passes, Width::widest);
}
void write_words_nontemporal(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value) {
  write_words(p, words, passes, value);
}

#endif

}  // namespace locality::kernels
#endif  // HWY_ONCE
