#include "core/streams.h"

#include <cstdlib>
#include <memory>
#include <new>

#include "core/fixture.h"

namespace locality {
namespace {

Word* page_aligned(std::size_t words) {
  auto* p = static_cast<Word*>(std::aligned_alloc(4096, (words * sizeof(Word) + 4095) / 4096 * 4096));
  if (p == nullptr) throw std::bad_alloc();
  for (std::size_t i = 0; i < words; ++i) p[i] = i;  // touches every page
  return p;
}

}  // namespace

WordBuffers::WordBuffers(std::size_t n) : src(page_aligned(n)), dst(page_aligned(n)), words(n) {}

WordBuffers::~WordBuffers() {
  std::free(src);
  std::free(dst);
}

void WordBuffers::reset_destination() {
  for (std::size_t i = 0; i < words; ++i) dst[i] = i;
}

WordBuffers& word_buffers(const std::string& family, std::size_t words) {
  return Fixtures::get<WordBuffers>(family + "/" + std::to_string(words), 2 * words * sizeof(Word),
                                    [words] { return std::make_unique<WordBuffers>(words); });
}

}  // namespace locality
