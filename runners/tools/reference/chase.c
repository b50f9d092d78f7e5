/* An independent load-latency probe for runners/tools/compare_reference.py,
 * written apart from locality's own chase: its own random cycle (a
 * Fisher-Yates shuffle of the visit order, not Sattolo's algorithm), its
 * own generator, timer and loop. Each step loads the address of the next
 * slot, as lat_mem_rd does (an index would add an address computation to
 * every load's latency). One 64-byte slot per step. For each size in bytes given on the command line it
 * prints "bytes ns_per_load", the best of five timings of at least 0.2 s.
 *   cc -O2 -o chase chase.c && ./chase 16384 4194304 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLOT 64 /* bytes per step: one cache line */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t state = 0x2545F4914F6CDD1DULL;
static uint64_t next_random(void) { /* xorshift64* */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    const size_t bytes = strtoull(argv[a], NULL, 10);
    const size_t n = bytes / SLOT;
    if (n < 2) continue;
    char* mem = aligned_alloc(4096, n * SLOT);
    size_t* order = malloc(n * sizeof *order);
    if (!mem || !order) return 1;
    for (size_t i = 0; i < n; ++i) order[i] = i;
    for (size_t i = n - 1; i > 0; --i) { /* shuffle the visit order */
      const size_t j = next_random() % (i + 1);
      const size_t t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (size_t i = 0; i < n; ++i) *(char**)(mem + order[i] * SLOT) = mem + order[(i + 1) % n] * SLOT;
    free(order);
    char* p = mem;
    size_t steps = 1024;
    double best = 1e30;
    for (;;) { /* enough steps for 0.2 s */
      const double t0 = now();
      for (size_t s = 0; s < steps; ++s) p = *(char**)p;
      if (now() - t0 > 0.2) break;
      steps *= 2;
    }
    for (int r = 0; r < 5; ++r) {
      const double t0 = now();
      for (size_t s = 0; s < steps; ++s) p = *(char**)p;
      const double ns = (now() - t0) * 1e9 / (double)steps;
      if (ns < best) best = ns;
    }
    printf("%zu %.3f\n", bytes, best + (double)(p == NULL));
    fflush(stdout);
    free(mem);
  }
  return 0;
}
