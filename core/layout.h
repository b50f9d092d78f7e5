// Helpers shared by the families: the element values every traversal sums,
// the node type of the linked lists, and the measurement of a node layout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace locality {

// The value stored at logical position i. Small, so that sums stay far from
// overflow and a wrong traversal shows as a wrong sum.
inline int element_value(std::size_t i) { return static_cast<int>(i % 1000); }

// The sum of element_value(0..n-1), the answer every traversal must give.
std::uint64_t expected_sum(std::size_t n);

// The cache line the layouts, and the claims about what they cost, are
// written for: 64 bytes on current x86-64 and most Arm cores (line_size
// measures the machine's own; the report compares it with what the machine
// reports).
constexpr std::size_t kLineBytes = 64;

// A singly linked list node: 16 bytes on x86-64, four to a 64-byte line when
// packed; glibc's malloc rounds a separate allocation up to 32 bytes.
struct Node {
  Node* next;
  int value;
};

// What glibc's malloc returns for a separate Node on a fresh heap: a 32-byte
// chunk (the node and the chunk's header), so two nodes a line.
constexpr std::size_t kHeapNodeChunkBytes = 32;

// How the nodes of a structure lie in memory, measured along the order in
// which a traversal visits them.
struct LayoutStats {
  double median_gap_bytes = 0;  // median |address[i+1] - address[i]|
  double near_step_share = 0;   // steps staying in the same or next line
  // The distribution of |line[i+1] - line[i]|, as shares of all steps, in
  // the buckets of kGapBuckets (they sum to 1).
  std::array<double, 7> gap_share{};
};

// Buckets of the distance between consecutive nodes in cache lines, named
// as they appear in result files (gap_share_<name>): same line, next line,
// within 8 lines, within a 4 KiB page, within 32 KiB, within 2 MiB, beyond.
struct GapBucket {
  const char* name;
  std::uint64_t max_lines;  // inclusive upper bound
};
inline constexpr std::array<GapBucket, 7> kGapBuckets = {{
    {"0_lines", 0},
    {"1_line", 1},
    {"2_7_lines", 7},
    {"8_63_lines", 63},
    {"64_511_lines", 511},
    {"512_32767_lines", 32767},
    {"32768plus_lines", UINT64_MAX},
}};

LayoutStats measure_layout(const std::vector<std::uintptr_t>& visit_order,
                           std::size_t line_bytes = 64);

// The layout of a standard container, visited in iteration order; the
// address of each element stands for its node.
template <typename Container>
LayoutStats measure_container_layout(const Container& c) {
  std::vector<std::uintptr_t> addresses;
  addresses.reserve(c.size());
  for (const auto& element : c) addresses.push_back(reinterpret_cast<std::uintptr_t>(&element));
  return measure_layout(addresses);
}

// The list traversal: sums the elements, wrapping modulo 2^32 as the array
// sums do (kernels.h). Out of line, so every family runs the same machine
// code.
std::uint32_t sum_list(const Node* head);
inline std::uint32_t expected_sum32(std::size_t n) {
  return static_cast<std::uint32_t>(expected_sum(n));
}

// The address of every node, in traversal order.
std::vector<std::uintptr_t> list_addresses(const Node* head);

// A list of `new`-allocated nodes and its measured layout; deletes its nodes
// in traversal order.
struct OwnedList {
  Node* head = nullptr;
  LayoutStats layout;
  OwnedList() = default;
  OwnedList(const OwnedList&) = delete;
  OwnedList& operator=(const OwnedList&) = delete;
  ~OwnedList();
};

// `n` nodes from `new`, allocated and linked in the same order (node i holds
// element_value(i)), with their layout measured: adjacent on a fresh heap,
// wherever the heap puts them on a used one.
std::unique_ptr<OwnedList> list_in_allocation_order(std::size_t n);

}  // namespace locality
