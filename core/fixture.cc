#include "core/fixture.h"

#include <utility>

#include "core/layout.h"
#include "core/platform.h"

namespace locality {
namespace {

std::size_t g_capacity = 0;

}  // namespace

// A list, most recently used first: the cache holds a few structures, so a
// linear search costs nothing next to building or traversing one.
// Never destroyed: at exit the system takes the memory back at once, where
// freeing millions of scattered nodes one by one took seconds.
std::list<Fixtures::Entry>& Fixtures::entries() {
  static auto* all = new std::list<Entry>;
  return *all;
}

Fixtures::Entry* Fixtures::find(const std::string& key) {
  auto& all = entries();
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (it->key == key) {
      all.splice(all.begin(), all, it);
      return &all.front();
    }
  }
  return nullptr;
}

void Fixtures::drop(const std::string& key) {
  auto& all = entries();
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (it->key == key) {
      all.erase(it);
      trim_heap();
      return;
    }
  }
}

Fixtures::Entry& Fixtures::insert(const std::string& key, std::size_t bytes, std::shared_ptr<void> object) {
  auto& all = entries();
  all.push_front(Entry{key, bytes, std::move(object)});
  return all.front();
}

void Fixtures::make_room(std::size_t bytes) {
  auto& all = entries();
  bool freed = false;
  while (!all.empty() && (bytes > g_capacity || kept_bytes() + bytes > g_capacity)) {
    all.pop_back();
    freed = true;
  }
  // Always trimmed when anything was freed, also after a build case that
  // freed millions of nodes itself: a later large malloc would otherwise pay
  // for consolidating them inside another case's timed loop.
  if (freed || all.empty()) trim_heap();
}

void Fixtures::clear() {
  entries().clear();
  trim_heap();
}

void Fixtures::set_capacity(std::size_t bytes) {
  g_capacity = bytes;
  make_room(0);
}

std::size_t Fixtures::capacity() { return g_capacity; }

std::size_t Fixtures::kept_bytes() {
  std::size_t total = 0;
  for (const auto& e : entries()) total += e.bytes;
  return total;
}

const std::vector<int>& int_vector(std::size_t n) {
  return Fixtures::get<std::vector<int>>("heap_vector/" + std::to_string(n), n * sizeof(int), [n] {
    auto built = std::make_unique<std::vector<int>>(n);
    for (std::size_t i = 0; i < n; ++i) (*built)[i] = element_value(i);
    return built;
  });
}

}  // namespace locality
