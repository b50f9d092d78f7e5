// std::pmr where the C++ standard library has it. libstdc++ has had it
// since GCC 9; libc++ only from LLVM 16 (LLVM 14, Debian 12's, and the
// libc++ of Xcode before 15 ship <experimental/memory_resource> alone).
// Cases built on it are registered everywhere and say why they cannot run
// where it is missing.
#pragma once

#include <string>
#include <version>

#if defined(__cpp_lib_memory_resource) && __cpp_lib_memory_resource >= 201603L
#include <memory_resource>
#define LOCALITY_HAS_PMR 1
#else
#define LOCALITY_HAS_PMR 0
#endif

namespace locality {

// Empty where std::pmr exists; otherwise why the std::pmr cases cannot run.
inline std::string pmr_unavailable() {
  return LOCALITY_HAS_PMR ? std::string()
                          : std::string("this C++ standard library has no std::pmr (<memory_resource>; libc++ has "
                                        "it from LLVM 16)");
}

// `c`, marked unavailable where std::pmr is missing.
template <typename Case>
Case needs_pmr(Case c) {
  c.unavailable = &pmr_unavailable;
  return c;
}

}  // namespace locality
