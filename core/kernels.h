// The vector kernels: contiguous sums, and reads, writes and copies of
// 64-bit words, written once with Google Highway and dispatched at run time
// to the widest vectors this CPU has (SSE4, AVX2 or AVX-512 on x86-64; NEON
// or SVE on aarch64). Under valgrind, which hides AVX-512, they use AVX2.
//
// Every kernel keeps several independent accumulators, so that no add chain
// limits it: what it measures is how fast the memory level it runs in
// delivers bytes. Hot loops are aligned (CMake gives this file
// -falign-loops) and the data is read with aligned loads after a scalar
// start up to a 64-byte boundary, so neither where the linker puts a loop
// nor where the allocator puts the data changes the figure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace locality::kernels {

// The instruction set the kernels dispatched to ("AVX2", "AVX3", "NEON",
// "SVE", ...), and the width of its vectors in bits.
std::string vector_target();
int vector_bits();

// The sum of n ints, wrapping modulo 2^32: every vector, four accumulators.
std::uint32_t sum_ints(const int* data, std::size_t n);
// The sum of a matrix's rows, each cols ints, their starts pitch ints
// apart: the vector sum's accumulators carried across rows, one reduction
// at the end (a row of 32 ints costs its two to eight loads).
std::uint32_t sum_int_rows(const int* data, std::size_t rows, std::size_t cols, std::size_t pitch);
// The same sum as one scalar add chain, one int per add: the version a
// compiler without vectorisation writes, bound by the core's add latency.
std::uint32_t sum_ints_one_chain(const int* data, std::size_t n);

// The vector width a word kernel uses: the widest this CPU has, or at most
// 256 or 128 bits, or scalar 64-bit loads.
enum class Width { widest, at_most_256, at_most_128, scalar };
// The bits a width really uses here (the widest may be narrower than the
// cap): 64 for scalar.
int width_bits(Width w);

// The word kernels work on buffers aligned to 64 bytes whose length is a
// multiple of 32 words (256 bytes); each runs over the buffer `passes` times.
// Reads return the sum of every word read.
std::uint64_t read_words(const std::uint64_t* p, std::size_t words, std::size_t passes, Width w);
void write_words(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value);
void copy_words(std::uint64_t* dst, const std::uint64_t* src, std::size_t words, std::size_t passes);
// Adds one to every word (a read, then a write of the same line).
void increment_words(std::uint64_t* p, std::size_t words, std::size_t passes);

// Non-temporal (streaming) accesses exist on x86-64 only: MOVNTDQA loads
// (128-bit, SSE4.1) and MOVNT stores at the widest width. Elsewhere these
// say why they are missing, and the kernels must not be called.
std::string nontemporal_loads_unavailable();
std::string nontemporal_stores_unavailable();
std::uint64_t read_words_nontemporal(const std::uint64_t* p, std::size_t words, std::size_t passes);
void write_words_nontemporal(std::uint64_t* p, std::size_t words, std::size_t passes, std::uint64_t value);

}  // namespace locality::kernels
