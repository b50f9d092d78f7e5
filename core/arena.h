// A bump arena: one buffer taken from the global allocator up front, handed out by
// moving a pointer forward. Allocation is a few instructions, consecutive
// allocations are adjacent in memory, and everything is freed at once by
// reset() or by destroying the arena. This is the allocator behind "packed"
// node layouts.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>

namespace locality {

class BumpArena {
 public:
  // The buffer is aligned to kBufferAlign so that small alignments never
  // waste the first bytes; larger alignments are honoured per allocation.
  static constexpr std::size_t kBufferAlign = 64;

  explicit BumpArena(std::size_t capacity_bytes)
      : capacity_(round_up(capacity_bytes == 0 ? 1 : capacity_bytes,
                           kBufferAlign)) {
    // From the global operator new, so the allocation counter sees it.
    base_ = static_cast<std::byte*>(::operator new(capacity_, std::align_val_t{kBufferAlign}));
    next_ = base_;
  }
  BumpArena(const BumpArena&) = delete;
  BumpArena& operator=(const BumpArena&) = delete;
  ~BumpArena() { ::operator delete(base_, std::align_val_t{kBufferAlign}); }

  // Returns `bytes` bytes aligned to `align` (a power of two), or throws
  // std::bad_alloc when the arena is exhausted. Never returns null.
  void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    assert(align != 0 && (align & (align - 1)) == 0 && "alignment must be a power of two");
    const auto current = reinterpret_cast<std::uintptr_t>(next_);
    const std::uintptr_t aligned = round_up(current, align);
    const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(base_) + capacity_;
    if (aligned < current || aligned > end || bytes > end - aligned) {
      throw std::bad_alloc();
    }
    next_ = reinterpret_cast<std::byte*>(aligned + bytes);
    return reinterpret_cast<void*>(aligned);
  }

  // Forgets every allocation; the buffer is kept for reuse.
  void reset() { next_ = base_; }

  std::size_t capacity() const { return capacity_; }
  std::size_t used() const { return static_cast<std::size_t>(next_ - base_); }
  const std::byte* begin() const { return base_; }
  const std::byte* end() const { return base_ + capacity_; }

 private:
  static constexpr std::uintptr_t round_up(std::uintptr_t v, std::uintptr_t a) {
    return (v + a - 1) & ~(a - 1);
  }

  std::size_t capacity_;
  std::byte* base_ = nullptr;
  std::byte* next_ = nullptr;
};

}  // namespace locality
