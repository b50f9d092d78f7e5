// aos_soa: a loop that reads one field of many records (Nystrom's "Data
// Locality", Acton's data-oriented design). As an array of 64-byte structs
// (AoS), each record's field sits in its own cache line, so the loop loads
// 64 bytes for every 4 it uses; as a struct of arrays (SoA), the field's
// values are contiguous and every loaded byte is used; splitting each
// record into a 16-byte hot part (the fields the loop needs, plus a pointer
// to the rest) and a cold part stored elsewhere loads 16 bytes per record.
// Beyond the caches each layout pays for the bytes it moves, and no loop
// moves its bytes faster than the machine streams memory. The SoA column is
// summed with vector loads at the machine's read bandwidth, so against it the
// bytes set a floor on the ratios, not a ceiling: AoS costs at least about
// 16x SoA (64 / 4 bytes) and the hot/cold split at least 4x (16 / 4); they
// can cost more, because a loop that loads one int per line (AoS), or four
// with scalar loads (the split), keeps fewer bytes in flight than a dense
// vector stream and draws fewer bytes per second from memory (stride/every_16
// shows the same per line). Between AoS and the split, two scalar loops,
// there is no such floor: AoS moves four times the lines, but which loop
// draws its lines faster depends on the machine's prefetchers (one load per
// line against four), so that ratio is claimed as a range around 4. The
// working set of each case is the bytes its loop touches, and the ladder
// runs until even the SoA column is twice the last-level cache, so the
// ratios beyond it compare layouts that all stream from memory.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/timing.h"

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
  const std::size_t top = round_up_pow2(2 * llc_bytes / sizeof(int));
  if (quick) return {256, round_up_pow2(2 * llc_bytes / sizeof(Record))};
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

// The field is read with plain loads (one per record, 64 bytes apart): no
// vector load gathers fields of different records.
__attribute__((noinline)) std::uint32_t sum_aos(const Record* r, std::size_t n) {
  std::uint32_t s0 = 0, s1 = 0;
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += static_cast<std::uint32_t>(r[i].key);
    s1 += static_cast<std::uint32_t>(r[i + 1].key);
  }
  if (i < n) s0 += static_cast<std::uint32_t>(r[i].key);
  return s0 + s1;
}
__attribute__((noinline)) std::uint32_t sum_hot(const Hot* h, std::size_t n) {
  std::uint32_t s0 = 0, s1 = 0;
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += static_cast<std::uint32_t>(h[i].key);
    s1 += static_cast<std::uint32_t>(h[i + 1].key);
  }
  if (i < n) s0 += static_cast<std::uint32_t>(h[i].key);
  return s0 + s1;
}

void aos(benchmark::State& state, std::size_t n) {
  auto& f = Fixtures::get<Aos>("aos_soa/aos/" + std::to_string(n), n * sizeof(Record), [n] {
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
  auto& f = Fixtures::get<Soa>("aos_soa/soa/" + std::to_string(n), n * sizeof(Record), [n] {
    auto built = std::make_unique<Soa>();
    built->key.resize(n);
    for (std::size_t i = 0; i < n; ++i) built->key[i] = element_value(i);
    built->other.assign(15, std::vector<int>(n, 7));
    return built;
  });
  time_traversal(state, {n, n * sizeof(int)}, [&f, n] {
    const int* k = f.key.data();
    escape(k);
    return kernels::sum_ints(k, n);
  });
}

void hot_cold(benchmark::State& state, std::size_t n) {
  auto& f = Fixtures::get<HotCold>("aos_soa/hot_cold/" + std::to_string(n), n * (sizeof(Hot) + sizeof(Cold)), [n] {
    auto built = std::make_unique<HotCold>();
    built->hot.resize(n);
    built->cold.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      built->hot[i] = {element_value(i), 0, &built->cold[i]};
      for (int& o : built->cold[i].other) o = 7;
    }
    return built;
  });
  time_traversal(state, {n, n * sizeof(Hot)}, [&f, n] {
    const Hot* h = f.hot.data();
    escape(h);
    return sum_hot(h, n);
  });
}

constexpr double kAosOverSoa = static_cast<double>(sizeof(Record)) / sizeof(int);
constexpr double kAosOverHot = static_cast<double>(sizeof(Record)) / sizeof(Hot);
constexpr double kHotOverSoa = static_cast<double>(sizeof(Hot)) / sizeof(int);

// The bytes floor with a tenth of slack: beyond the caches a layout cannot
// cost less per record, relative to the struct of arrays (which streams at
// the machine's read bandwidth), than the ratio of the bytes each moves.
std::string floor_text(const char* a, double ratio) {
  return std::string("beyond the last-level cache ") + a + " costs at least " +
         std::to_string(static_cast<int>(ratio)) +
         "x the struct of arrays (the bytes each moves per record, against a column streamed at the read "
         "bandwidth: a physical limit, not a typical value), with 10% slack; more where its loop draws fewer "
         "bytes per second than a dense vector read";
}

const bool kRegistered = add_family({
    .name = "aos_soa",
    .title = "Array of structs, struct of arrays",
    .order = 110,
    .demonstrates = "A loop reading one int field of N 64-byte records: array of structs, struct of arrays "
                    "(summed with the vector kernel), and records split into a 16-byte hot part and a cold "
                    "part kept elsewhere; the working set is the bytes each loop touches.",
    .expected = "Beyond the caches each layout pays for the bytes it moves per record: the array of structs "
                "a 64-byte line, the hot/cold split a quarter of that, the struct of arrays a sixteenth. No "
                "layout streams faster than the machine's read bandwidth, at which the struct of arrays is "
                "read, so the array of structs costs at least about 16x the struct of arrays and the "
                "hot/cold split 4x; more where a loop of scalar loads draws fewer bytes per second than a "
                "dense vector read. The array of structs costs some 4x the split (four times the lines), "
                "more or less as the two scalar loops draw their lines faster or slower on the machine. In "
                "the caches the struct of arrays is fastest too, helped by vector loads.",
    .unit = {"record", sizeof(Record)},
    .size_name = "records",
    .cases = {{.name = "aos_one_field", .summary = "sum one field of an array of 64-byte structs",
               .peak_bytes_per_element = 66, .fn = &aos, .label = "array of structs",
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(Record), .tolerance = 0.5,
                         .parts = "in L2 and beyond the caches, where one load per line draws fewer bytes per "
                                  "second than a dense read"}},
              {.name = "soa_one_field", .summary = "sum the same field stored as its own array",
               .peak_bytes_per_element = 66, .fn = &soa, .label = "struct of arrays",
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(int), .tolerance = 0.5,
                         .parts = "at the smallest sizes, where starting the loop costs more than its bytes"}},
              {.name = "hot_cold_split", .summary = "sum the field from 16-byte hot records; the rest lives apart",
               .peak_bytes_per_element = 66, .fn = &hot_cold, .label = "hot/cold split",
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(Hot), .tolerance = 0.5,
                         .parts = "in the caches, where the loop's scalar loads, not the bytes, set the pace"}}},
    .claims = {
        {.kind = "ratio", .says = floor_text("the array of structs", kAosOverSoa),
         .cases = {"aos_one_field", "soa_one_field"}, .at = "beyond:LLC", .min = kAosOverSoa * 0.9, .every = true},
        {.kind = "ratio", .says = floor_text("the hot/cold split", kHotOverSoa),
         .cases = {"hot_cold_split", "soa_one_field"}, .at = "beyond:LLC", .min = kHotOverSoa * 0.9, .every = true},
        {.kind = "ratio",
         .says = "beyond the last-level cache the array of structs costs " +
                 std::to_string(static_cast<int>(kAosOverHot / 2)) + "x to " +
                 std::to_string(static_cast<int>(kAosOverHot * 4)) +
                 "x the hot/cold split: four times the lines, each drawn at its scalar loop's pace (one load "
                 "per line against four), which the machine's prefetchers make up to 2x slower for the split "
                 "or 4x slower for the array of structs (neither streams at the read bandwidth: no physical "
                 "floor)",
         .cases = {"aos_one_field", "hot_cold_split"}, .at = "beyond:LLC", .min = kAosOverHot / 2,
         .max = kAosOverHot * 4, .every = true},
    },
    .statistic = Statistic::minimum,
    .ladder = &records_ladder,
});

}  // namespace
}  // namespace locality
