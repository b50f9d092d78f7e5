#include "cases/chase.h"

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

void link_cycle(std::vector<LineNode>& nodes, ChaseOrder order) {
  const std::size_t n = nodes.size();
  if (n == 0) return;
  std::mt19937_64 rng(kSeed);
  if (order == ChaseOrder::random) {
    const auto next = single_cycle(n, rng);
    for (std::size_t i = 0; i < n; ++i) nodes[i].next = &nodes[next[i]];
    return;
  }
  // Visit order: pages (of 64 lines) in sequence or in a random cycle, lines
  // in sequence inside each page.
  constexpr std::size_t kLinesPerPage = 4096 / sizeof(LineNode);
  const std::size_t pages = (n + kLinesPerPage - 1) / kLinesPerPage;
  std::vector<std::size_t> page_order(pages);
  std::iota(page_order.begin(), page_order.end(), std::size_t{0});
  if (order == ChaseOrder::page_random && pages > 1) {
    const auto next = single_cycle(pages, rng);
    std::size_t p = 0;
    for (std::size_t k = 0; k < pages; ++k, p = next[p]) page_order[k] = p;
  }
  std::vector<std::size_t> visit;
  visit.reserve(n);
  for (std::size_t p : page_order) {
    for (std::size_t i = p * kLinesPerPage; i < std::min(n, (p + 1) * kLinesPerPage); ++i) visit.push_back(i);
  }
  for (std::size_t k = 0; k < n; ++k) nodes[visit[k]].next = &nodes[visit[(k + 1) % n]];
}

const LineNode* chase(const LineNode* p, std::size_t steps) {
  std::size_t i = 0;
  for (; i + 8 <= steps; i += 8) {
    p = p->next; p = p->next; p = p->next; p = p->next;
    p = p->next; p = p->next; p = p->next; p = p->next;
  }
  for (; i < steps; ++i) p = p->next;
  return p;
}

}  // namespace locality
