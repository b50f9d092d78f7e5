#include "core/layout.h"

#include <algorithm>
#include <utility>

namespace locality {

std::uint64_t expected_sum(std::size_t n) {
  const std::uint64_t full = n / 1000;
  const std::uint64_t rest = n % 1000;
  return full * (999 * 1000 / 2) + rest * (rest - 1) / 2;
}

LayoutStats measure_layout(const std::vector<std::uintptr_t>& visit_order,
                           std::size_t line_bytes) {
  LayoutStats stats;
  if (visit_order.size() < 2) return stats;
  std::vector<std::uintptr_t> gaps;
  gaps.reserve(visit_order.size() - 1);
  std::size_t near = 0;
  for (std::size_t i = 1; i < visit_order.size(); ++i) {
    const std::uintptr_t a = visit_order[i - 1];
    const std::uintptr_t b = visit_order[i];
    gaps.push_back(a > b ? a - b : b - a);
    const std::uintptr_t la = a / line_bytes;
    const std::uintptr_t lb = b / line_bytes;
    if (lb == la || lb == la + 1) ++near;
    const std::uint64_t lines = la > lb ? la - lb : lb - la;
    for (std::size_t k = 0; k < kGapBuckets.size(); ++k) {
      if (lines <= kGapBuckets[k].max_lines) {
        stats.gap_share[k] += 1;
        break;
      }
    }
  }
  const std::size_t mid = gaps.size() / 2;
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(mid), gaps.end());
  double median = static_cast<double>(gaps[mid]);
  if (gaps.size() % 2 == 0) {
    const auto lower = *std::max_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(mid));
    median = (median + static_cast<double>(lower)) / 2;
  }
  stats.median_gap_bytes = median;
  stats.near_step_share = static_cast<double>(near) / static_cast<double>(gaps.size());
  for (double& share : stats.gap_share) share /= static_cast<double>(gaps.size());
  return stats;
}

std::uint32_t sum_list(const Node* head) {
  std::uint32_t sum = 0;
  for (const Node* n = head; n != nullptr; n = n->next) sum += static_cast<std::uint32_t>(n->value);
  return sum;
}

std::vector<std::uintptr_t> list_addresses(const Node* head) {
  std::vector<std::uintptr_t> out;
  for (const Node* n = head; n != nullptr; n = n->next) out.push_back(reinterpret_cast<std::uintptr_t>(n));
  return out;
}

OwnedList::~OwnedList() {
  while (head != nullptr) delete std::exchange(head, head->next);
}

std::unique_ptr<OwnedList> list_in_allocation_order(std::size_t n) {
  auto list = std::make_unique<OwnedList>();
  Node** link = &list->head;
  for (std::size_t i = 0; i < n; ++i) {
    *link = new Node{nullptr, element_value(i)};
    link = &(*link)->next;
  }
  list->layout = measure_layout(list_addresses(list->head));
  return list;
}

}  // namespace locality
