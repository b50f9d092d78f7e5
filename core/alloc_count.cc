#include "core/alloc_count.h"

#include <cstddef>
#include <cstdlib>
#include <new>

#ifndef LOCALITY_COUNT_ALLOCATIONS
#define LOCALITY_COUNT_ALLOCATIONS 1
#endif

namespace {

#if LOCALITY_COUNT_ALLOCATIONS
// initial-exec: one instruction to reach it, also from the Python module (a
// shared object would otherwise call __tls_get_addr on every new).
thread_local locality::AllocCounts t_counts __attribute__((tls_model("initial-exec"))) = {0, 0, 0};
#endif

void* counted_alloc(std::size_t size, std::size_t align) {
  if (size == 0) size = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
#if LOCALITY_COUNT_ALLOCATIONS
  ++t_counts.allocations;
  t_counts.bytes += size;
#endif
  return p;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
#if LOCALITY_COUNT_ALLOCATIONS
  ++t_counts.deallocations;
#endif
  std::free(p);
}

}  // namespace

namespace locality {

AllocCounts alloc_counts() {
#if LOCALITY_COUNT_ALLOCATIONS
  return t_counts;
#else
  return {0, 0, 0};
#endif
}

bool counting_allocations() { return LOCALITY_COUNT_ALLOCATIONS != 0; }

}  // namespace locality

// Replacements of the global allocation functions ([new.delete]). The
// nothrow and array forms forward to these in the standard library, but we
// replace them too so the counts do not depend on that.
void* operator new(std::size_t size) { return counted_alloc(size, 0); }
void* operator new[](std::size_t size) { return counted_alloc(size, 0); }
void* operator new(std::size_t size, std::align_val_t al) {
  return counted_alloc(size, static_cast<std::size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al) {
  return counted_alloc(size, static_cast<std::size_t>(al));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try { return counted_alloc(size, 0); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try { return counted_alloc(size, 0); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
