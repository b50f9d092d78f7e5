#include "core/pages.h"

#include <cstdint>
#include <cstdlib>
#include <new>

#include "core/platform.h"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

namespace locality {

PageBuffer::PageBuffer(std::size_t bytes, bool huge) : bytes_(bytes) {
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
#if defined(__unix__) || defined(__APPLE__)
  raw_bytes_ = rounded + kHugePage;
  raw_ = mmap(nullptr, raw_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw_ == MAP_FAILED) throw std::bad_alloc();
  mapped_ = true;
  const auto base = (reinterpret_cast<std::uintptr_t>(raw_) + kHugePage - 1) & ~(kHugePage - 1);
  data_ = reinterpret_cast<void*>(base);
#else
  raw_ = std::aligned_alloc(kHugePage, rounded);
  if (raw_ == nullptr) throw std::bad_alloc();
  data_ = raw_;
#endif
  advised_ = advise_huge_pages(data_, rounded, huge);
}

PageBuffer::~PageBuffer() {
#if defined(__unix__) || defined(__APPLE__)
  if (mapped_) munmap(raw_, raw_bytes_);
#else
  std::free(raw_);
#endif
}

std::optional<std::size_t> PageBuffer::huge_bytes() const { return huge_page_bytes(data_); }

}  // namespace locality
