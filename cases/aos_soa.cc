// aos_soa: a loop that reads one field of many records (Nystrom's "Data
// Locality", Acton's data-oriented design). As an array of 64-byte structs
// (AoS), each record's field sits in its own cache line, so the loop loads
// 64 bytes for every 4 it uses; as a struct of arrays (SoA), the field's
// values are contiguous and every loaded byte is used; splitting each
// record into a 16-byte hot part (the fields the loop needs, plus a pointer
// to the rest) and a cold part stored elsewhere loads 16 bytes per record.
// A plot shows SoA fastest at every size and, beyond the caches, AoS ten
// times SoA or more, with the hot/cold split between them.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cases/family.h"
#include "cases/timing.h"

namespace locality {
namespace {

struct Record {  // 64 bytes: the field the loop reads and 15 it does not
  int key;
  int other[15];
};
static_assert(sizeof(Record) == 64);

struct Cold {
  int other[14];
};
struct Hot {  // 16 bytes: the field the loop reads, one more, and the rest's address
  int key;
  int flags;
  Cold* cold;
};
static_assert(sizeof(Hot) == 16);

std::vector<std::size_t> records_ladder(std::size_t llc_bytes, bool quick) {
  const std::size_t top = round_up_pow2(4 * llc_bytes) / sizeof(Record);
  if (quick) return {256, top / 2};
  std::vector<std::size_t> n;
  for (std::size_t k = 256; k < top; k *= 4) n.push_back(k);
  n.push_back(top);
  return n;
}

struct Aos {
  std::vector<Record> records;
};
struct Soa {
  std::vector<int> key;
  std::vector<std::vector<int>> other;  // 15 more columns, never read
};
struct HotCold {
  std::vector<Hot> hot;
  std::vector<Cold> cold;
};

__attribute__((noinline)) std::uint32_t sum_aos(const Record* r, std::size_t n) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint32_t>(r[i].key);
  return s;
}
__attribute__((noinline)) std::uint32_t sum_hot(const Hot* h, std::size_t n) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint32_t>(h[i].key);
  return s;
}

void aos(benchmark::State& state, std::size_t n) {
  auto& f = FixtureSlot::get<Aos>("aos_soa/aos/" + std::to_string(n), [n] {
    auto built = std::make_unique<Aos>();
    built->records.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      built->records[i].key = element_value(i);
      for (int& o : built->records[i].other) o = 7;
    }
    return built;
  });
  time_traversal(state, {n, n * sizeof(Record)}, [&f, n] {
    const Record* r = f.records.data();
    escape(r);
    return sum_aos(r, n);
  });
}

void soa(benchmark::State& state, std::size_t n) {
  auto& f = FixtureSlot::get<Soa>("aos_soa/soa/" + std::to_string(n), [n] {
    auto built = std::make_unique<Soa>();
    built->key.resize(n);
    for (std::size_t i = 0; i < n; ++i) built->key[i] = element_value(i);
    built->other.assign(15, std::vector<int>(n, 7));
    return built;
  });
  // The working set is every column, as for the other layouts; the loop
  // reads one of them.
  time_traversal(state, {n, n * sizeof(Record)}, [&f, n] {
    const int* k = f.key.data();
    escape(k);
    return sum_array(k, n);
  });
}

void hot_cold(benchmark::State& state, std::size_t n) {
  auto& f = FixtureSlot::get<HotCold>("aos_soa/hot_cold/" + std::to_string(n), [n] {
    auto built = std::make_unique<HotCold>();
    built->hot.resize(n);
    built->cold.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      built->hot[i] = {element_value(i), 0, &built->cold[i]};
      for (int& o : built->cold[i].other) o = 7;
    }
    return built;
  });
  time_traversal(state, {n, n * (sizeof(Hot) + sizeof(Cold))}, [&f, n] {
    const Hot* h = f.hot.data();
    escape(h);
    return sum_hot(h, n);
  });
}

const bool kRegistered = add_family({
    "aos_soa",
    "A loop reading one int field of N 64-byte records: array of structs, struct of arrays, "
    "and records split into a 16-byte hot part and a cold part kept elsewhere.",
    "The struct of arrays is the fastest at every size (it is also the only one the compiler "
    "can vectorise). Beyond the caches the array of structs costs ten times or more the struct "
    "of arrays per record (a line loaded per record against one per 16), and the hot/cold "
    "split lies between them.",
    {
        {"aos_one_field", "sum one field of an array of 64-byte structs", 66, &aos},
        {"soa_one_field", "sum the same field stored as its own array", 66, &soa},
        {"hot_cold_split", "sum the field from 16-byte hot records; the rest lives apart", 66, &hot_cold},
    },
    &records_ladder,
});

}  // namespace
}  // namespace locality
