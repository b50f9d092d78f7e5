#include "core/chase.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace locality {
namespace {

constexpr std::uint64_t kSeed = 0x5a77010;

// Sattolo's algorithm: a uniformly random permutation with a single cycle.
std::vector<std::size_t> single_cycle(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = n; i-- > 1;) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  return order;  // order[i] is the successor of i
}

}  // namespace

std::vector<std::size_t> cycle_successors(std::size_t n, ChaseOrder order,
                                          std::size_t items_per_page) {
  std::vector<std::size_t> next(n);
  if (n == 0) return next;
  std::mt19937_64 rng(kSeed);
  if (order == ChaseOrder::random) return single_cycle(n, rng);
  // Visit order: pages in sequence or in a random cycle, items in sequence
  // inside each page.
  const std::size_t per_page = std::max<std::size_t>(1, items_per_page);
  const std::size_t pages = (n + per_page - 1) / per_page;
  std::vector<std::size_t> page_order(pages);
  std::iota(page_order.begin(), page_order.end(), std::size_t{0});
  if (order == ChaseOrder::page_random && pages > 1) {
    const auto page_next = single_cycle(pages, rng);
    std::size_t p = 0;
    for (std::size_t k = 0; k < pages; ++k, p = page_next[p]) page_order[k] = p;
  }
  std::vector<std::size_t> visit;
  visit.reserve(n);
  for (std::size_t p : page_order) {
    for (std::size_t i = p * per_page; i < std::min(n, (p + 1) * per_page); ++i) visit.push_back(i);
  }
  for (std::size_t k = 0; k < n; ++k) next[visit[k]] = visit[(k + 1) % n];
  return next;
}

void link_cycle(LineNode* nodes, std::size_t n, ChaseOrder order) {
  const auto next = cycle_successors(n, order, 4096 / sizeof(LineNode));
  for (std::size_t i = 0; i < n; ++i) nodes[i].next = &nodes[next[i]];
}

const LineNode* chase(const LineNode* p, std::size_t steps) { return chase_links(p, steps); }

}  // namespace locality
