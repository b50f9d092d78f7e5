// Built structures kept between the runs of a benchmark. Building is not
// what the traversal cases time, and a large structure can take seconds to
// build, so a structure is kept and reused by every later run of the same
// benchmark: the runner interleaves repetitions of different benchmarks,
// and the cache keeps the most recently used structures up to a memory
// capacity, freeing the least recently used first (and giving freed memory
// back to the system, so that a heap stays as fresh as it can).
//
// Where the placement of a structure in memory is part of what a case
// measures (which physical pages back a chase, whether the kernel granted
// huge pages), the case asks for a fresh structure on every run instead:
// each repetition then samples a placement of its own, rather than one
// placement being baked into them all.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace locality {

class Fixtures {
 public:
  // The structure under `key`, built by `build` if it is not kept. `bytes`
  // is about how much memory it holds, for the capacity.
  template <typename T>
  static T& get(const std::string& key, std::size_t bytes, const std::function<std::unique_ptr<T>()>& build) {
    if (Entry* e = find(key)) return *static_cast<T*>(e->object.get());
    make_room(bytes);
    std::shared_ptr<void> object = erase(build());
    return *static_cast<T*>(insert(key, bytes, std::move(object)).object.get());
  }

  // A structure built now, replacing any kept under `key`.
  template <typename T>
  static T& fresh(const std::string& key, std::size_t bytes, const std::function<std::unique_ptr<T>()>& build) {
    drop(key);
    make_room(bytes);
    std::shared_ptr<void> object = erase(build());
    return *static_cast<T*>(insert(key, bytes, std::move(object)).object.get());
  }

  // Frees every kept structure and trims the heap.
  static void clear();
  // Makes room for `bytes` more: frees the least recently used structures
  // until what is kept and `bytes` fit in the capacity (all of them when
  // `bytes` alone does not). Call before building something large that is
  // not kept (the build cases), so that it starts from a trimmed heap.
  static void make_room(std::size_t bytes);
  // How much the kept structures may hold together (0: one at a time).
  static void set_capacity(std::size_t bytes);
  static std::size_t capacity();
  static std::size_t kept_bytes();

 private:
  struct Entry {
    std::string key;
    std::size_t bytes = 0;
    std::shared_ptr<void> object;
  };
  template <typename T>
  static std::shared_ptr<void> erase(std::unique_ptr<T> built) {
    return std::shared_ptr<void>(built.release(), [](void* p) { delete static_cast<T*>(p); });
  }
  static std::list<Entry>& entries();  // most recently used first
  static Entry* find(const std::string& key);
  static void drop(const std::string& key);
  static Entry& insert(const std::string& key, std::size_t bytes, std::shared_ptr<void> object);
};

// heap_vector's std::vector<int> of n elements (element i holds
// element_value(i)), kept among the fixtures: stack_array times the same
// sum over it in its own rounds, beside its array.
const std::vector<int>& int_vector(std::size_t n);

}  // namespace locality
