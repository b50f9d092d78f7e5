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

// Links `nodes` into one cycle through every node in the given order
// (a fixed seed: the same order on every run).
void link_cycle(std::vector<LineNode>& nodes, ChaseOrder order);

// Follows `steps` links from `start`; returns where it ends. Unrolled by 8
// so the loop's own instructions hide behind the loads.
const LineNode* chase(const LineNode* start, std::size_t steps);

}  // namespace locality
