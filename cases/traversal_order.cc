// traversal_order: the same N x N matrix of ints summed row by row (the
// order it is stored in: spatial locality, every byte of every line used)
// and column by column (each access in another line, N ints apart), and
// transposed naively (reads in row order, writes in column order) and in
// 64 x 64 tiles (a tile's lines are reused while they are still cached:
// temporal locality). Rows are padded by one cache line so that columns do
// not fall into the same cache sets when N is a power of two; that separate
// effect is the stride family's. The number in a name is N*N, the elements;
// a plot shows column order and the naive transpose far above row order and
// the tiled transpose once the matrix outgrows the caches.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/timing.h"

namespace locality {
namespace {

constexpr std::size_t kPad = 64 / sizeof(int);  // one line per row
// 64 x 64 ints: a tile of a (16 KiB) and the 64 lines of b it writes per
// row of the tile stay in L1 and L2 while the tile is done; 16 x 16 tiles
// are too small to amortise their loop overhead against the naive order.
constexpr std::size_t kTile = 64;

std::vector<std::size_t> matrix_ladder(std::size_t llc_bytes, bool quick) {
  // N from 32 up to the first N whose matrix is at least 2x the last-level
  // cache; elements are N*N.
  std::vector<std::size_t> elements;
  if (quick) return {64 * 64, 1024 * 1024};
  for (std::size_t n = 32;; n *= 2) {
    elements.push_back(n * n);
    if (n * n * sizeof(int) >= 2 * llc_bytes) break;
  }
  return elements;
}

std::size_t side(std::size_t elements) {
  std::size_t n = 1;
  while (n * n < elements) ++n;
  return n;
}

// Every row starts on a 64-byte boundary: the pitch is a whole number of
// lines (N rounded up to 16 ints, plus the padding line) and the first row
// is aligned, so no vector load of a row straddles two lines.
struct Matrices {
  std::size_t n = 0;
  std::size_t pitch = 0;
  std::vector<int> a_store;
  std::vector<int> b_store;  // the transpose's destination
  int* a = nullptr;
  int* b = nullptr;
};

int* first_line(std::vector<int>& store) {
  const auto at = reinterpret_cast<std::uintptr_t>(store.data());
  return store.data() + ((64 - (at & 63)) & 63) / sizeof(int);
}

Matrices& matrices(std::size_t elements) {
  return Fixtures::get<Matrices>("traversal_order/" + std::to_string(elements), 2 * elements * sizeof(int),
                                 [elements] {
    auto m = std::make_unique<Matrices>();
    m->n = side(elements);
    m->pitch = (m->n + kPad - 1) / kPad * kPad + kPad;
    m->a_store.assign(m->n * m->pitch + kPad, 0);
    m->b_store.assign(m->n * m->pitch + kPad, 0);
    m->a = first_line(m->a_store);
    m->b = first_line(m->b_store);
    for (std::size_t r = 0; r < m->n; ++r) {
      for (std::size_t c = 0; c < m->n; ++c) m->a[r * m->pitch + c] = element_value(r * m->n + c);
    }
    return m;
  });
}

// The rows with the vector sum's kernel, its accumulators carried from row
// to row: vector loads, a few per row, and one reduction at the end.
__attribute__((noinline)) std::uint32_t sum_rows(const int* a, std::size_t n, std::size_t pitch) {
  return kernels::sum_int_rows(a, n, n, pitch);
}

// One scalar add chain down each column: one int per add (the compiler
// emits a single add from memory per element; test_machine_code.py reads it).
__attribute__((noinline)) std::uint32_t sum_columns(const int* a, std::size_t n, std::size_t pitch) {
  std::uint32_t s = 0;
  for (std::size_t c = 0; c < n; ++c) {
    for (std::size_t r = 0; r < n; ++r) {
      s += static_cast<std::uint32_t>(a[r * pitch + c]);
      asm volatile("" : "+r"(s));  // one chain in one register, whatever the compiler could vectorise
    }
  }
  return s;
}

__attribute__((noinline)) void transpose_naive(int* b, const int* a, std::size_t n, std::size_t pitch) {
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < n; ++c) b[c * pitch + r] = a[r * pitch + c];
  }
}

__attribute__((noinline)) void transpose_tiled(int* b, const int* a, std::size_t n, std::size_t pitch) {
  for (std::size_t r0 = 0; r0 < n; r0 += kTile) {
    for (std::size_t c0 = 0; c0 < n; c0 += kTile) {
      const std::size_t r1 = std::min(n, r0 + kTile), c1 = std::min(n, c0 + kTile);
      for (std::size_t r = r0; r < r1; ++r) {
        for (std::size_t c = c0; c < c1; ++c) b[c * pitch + r] = a[r * pitch + c];
      }
    }
  }
}

template <bool Rows>
void sum(benchmark::State& state, std::size_t elements) {
  Matrices& m = matrices(elements);
  time_traversal(state, {m.n * m.n, m.n * m.pitch * sizeof(int)}, [&m] {
    const int* a = m.a;
    escape(a);
    return Rows ? sum_rows(a, m.n, m.pitch) : sum_columns(a, m.n, m.pitch);
  });
}

template <bool Tiled>
void transpose(benchmark::State& state, std::size_t elements) {
  Matrices& m = matrices(elements);
  auto once = [&m] {
    escape(m.a);
    (Tiled ? transpose_tiled : transpose_naive)(m.b, m.a, m.n, m.pitch);
    escape(m.b);
  };
  {
    CounterScope scope(state, {m.n * m.n, 2 * m.n * m.pitch * sizeof(int)}, once);
    for (auto _ : state) once();
  }
  for (std::size_t r = 0; r < m.n; ++r) {
    for (std::size_t c = 0; c < m.n; ++c) {
      if (m.b[c * m.pitch + r] != m.a[r * m.pitch + c]) {
        state.SkipWithError("the transpose is wrong");
        return;
      }
    }
  }
}

Case matrix_case(const char* name, const char* summary, CaseFn fn) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = 8.5, .fn = fn};
}

const bool kRegistered = add_family({
    .name = "traversal_order",
    .title = "Row and column order",
    .order = 100,
    .demonstrates = "One N x N int matrix summed in row order (the order it is stored in) and in column "
                    "order, and transposed naively and in 64 x 64 tiles; rows are padded by one line.",
    .expected = "Row order costs what the vector sum does once a row is a few vectors long; in L1, where "
                "rows are 32 or 64 ints, each row's loop costs as much as its loads. Column order is one "
                "scalar add chain, one int a cycle, so it costs several times row order even in L1, and "
                "the gap widens to ten times or more once the matrix leaves the caches. The tiled "
                "transpose beats the naive one once a column's lines no longer stay cached until their "
                "other ints are written.",
    .unit = {"element", sizeof(int)},
    .size_name = "elements (N x N)",
    .cases = {matrix_case("row_major_sum", "sum the matrix row by row (vector loads, one reduction at the end)", &sum<true>)
                  .labelled("sum, row by row"),
              matrix_case("column_major_sum", "sum the matrix column by column", &sum<false>)
                  .labelled("sum, column by column"),
              matrix_case("transpose_naive", "b[c][r] = a[r][c] in row order of a", &transpose<false>)
                  .labelled("transpose, naive"),
              matrix_case("transpose_tiled", "the same transpose in 64 x 64 tiles", &transpose<true>)
                  .labelled("transpose, 64 x 64 tiles")},
    .claims = {
        {.kind = "ratio",
         .says = "in L1 column order costs 4x to 40x row order: one scalar add a cycle against vector "
                 "loads, from two 16-byte loads and a few cycles of loop per 32-int row to two 64-byte "
                 "loads a cycle (25% slack)",
         .cases = {"column_major_sum", "row_major_sum"}, .at = "in:L1", .min = 4, .max = 40},
        {.kind = "ratio",
         .says = "beyond the last-level cache 8x to 80x: every column-order load lands in another line and "
                 "another page (a TLB miss), while row order streams 16 ints a line",
         .cases = {"column_major_sum", "row_major_sum"}, .at = "beyond:LLC", .min = 8, .max = 80},
        {.kind = "ratio",
         .says = "beyond the last-level cache the tiled transpose is 2x to 20x faster than the naive one: "
                 "each naive write lands in another line and another page of b, N of each per column, too "
                 "many to keep until a line's other 15 ints come (up to a line moved per int, against a "
                 "line per 16 ints)",
         .cases = {"transpose_naive", "transpose_tiled"}, .at = "beyond:LLC", .min = 2, .max = 20},
    },
    .statistic = Statistic::minimum,
    .ladder = &matrix_ladder,
});

}  // namespace
}  // namespace locality
