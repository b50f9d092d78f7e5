// Pointer chases over nodes one cache line apart: the load-to-use latency
// kernels. Each node holds only the address of the next one, so every load
// depends on the previous: the time per step is the latency of wherever the
// next node lives, not the bandwidth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace locality {

struct alignas(64) LineNode {
  LineNode* next;
  char pad[64 - sizeof(LineNode*)];
};

enum class ChaseOrder {
  sequential,   // node i -> i+1: the prefetcher follows it
  random,       // one random cycle through all nodes (Sattolo)
  page_random,  // pages of 4 KiB in random order, lines in order inside a page
};

// The successor of every index in one cycle through 0..n-1 in the given
// order, for items of which `items_per_page` share a 4 KiB page (a fixed
// seed: the same order on every run).
std::vector<std::size_t> cycle_successors(std::size_t n, ChaseOrder order,
                                          std::size_t items_per_page);

// Links `n` nodes into one cycle through every node in the given order.
void link_cycle(LineNode* nodes, std::size_t n, ChaseOrder order);

// Follows `steps` links from `start`; returns where it ends. Unrolled by 8
// so the loop's own instructions hide behind the loads. Works for any node
// type whose `next` points to the same type.
template <typename Node>
const Node* chase_links(const Node* p, std::size_t steps) {
  std::size_t i = 0;
  for (; i + 8 <= steps; i += 8) {
    p = p->next; p = p->next; p = p->next; p = p->next;
    p = p->next; p = p->next; p = p->next; p = p->next;
  }
  for (; i < steps; ++i) p = p->next;
  return p;
}

const LineNode* chase(const LineNode* start, std::size_t steps);

}  // namespace locality
