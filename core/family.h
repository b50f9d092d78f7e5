// The descriptor of an experiment, and the catalogue of all of them.
//
// A family file in cases/ describes itself once, in a Family value added to
// the catalogue at static-initialisation time (which is why the cases live
// in an OBJECT library: a static library would drop those registrations).
// The descriptor is the single description of an experiment that everything
// else reads: the runners register its cases with Google Benchmark, the
// result file carries it in context.locality.families, and the report draws
// and checks each family from it alone, knowing no family or case by name.
#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace locality {

// Every kernel of every family has this signature: the benchmark state and
// the size of the structure it traverses or builds (the number in its name).
using CaseFn = void (*)(benchmark::State&, std::size_t size);

// The sizes a family (or case) runs at on a machine whose last-level cache
// has `llc_bytes`, ascending; `quick` asks for a short ladder.
using LadderFn = std::vector<std::size_t> (*)(std::size_t llc_bytes, bool quick);

// What one unit of a figure is. A case's `elements` counter is the number
// of these units one iteration processes; times are per unit.
struct Unit {
  std::string name;  // singular, as in "ns per <name>": "int", "load", "record"
  double bytes = 0;  // the bytes one unit stands for (0: bytes mean nothing, as for an increment)
};

// What a figure shows: time per unit, or bytes moved per second.
enum class Metric { time, bandwidth };

// Which statistic of the repetitions a point is. The minimum where every
// repetition does the same work on the same structure (a traversal, a
// chase, a read): on a shared machine interruptions, neighbours and dips of
// the clock only ever add time, so the fastest repetition is the best
// estimate of what the hardware does (lmbench takes the minimum latency for
// this reason; Chen and Revels, "Robust benchmarking in noisy
// environments", 2016). The median where the work itself varies from one
// repetition to the next by design: allocation (the heap's state, page
// faults), two threads' interleaving. A chase over a mapping the kernel
// makes anew for each repetition (tlb, latency) takes the minimum: the work
// is the same, and the fastest mapping shows what the hardware does.
enum class Statistic { median, minimum };

// The part a case plays in the report's shared figures.
enum class Role {
  none,
  baseline,  // the layout every other one is compared with, at equal size
  layout,    // one of the layouts in the comparison figure
  build,     // the cost of building a structure, shown apart from traversals
};

// A stated expectation as data; the report's check engine evaluates it
// against the measured statistics and their confidence intervals, and says
// "agrees", "disagrees" or, where the interval straddles the bound or data
// is missing, "inconclusive". Cases are named "case" (this family) or
// "family/case". Where a claim looks is a region of working sets, tested on
// every case of the claim: "in:L1" (at most half of L1), "in:L2" and
// "in:LLC" (at least twice the previous level and at most half of this
// one), "beyond:L1", "beyond:L2", "beyond:LLC" (at least twice the level),
// "all", or "first" and "last" (a case's smallest and largest size, for
// families whose sizes are not working sets). Kinds:
//   ratio     cases {a, b}: q(a) / q(b) at the same size (or the same
//             working set, with match = "working_set"), at the largest such
//             size in the region, or at every one with every = true; with
//             match = "largest", each case at its own largest size in the
//             region (beyond the caches, where the cost per element no
//             longer depends on the size and the ladders need not meet).
//   growth    cases {a}: q(a) at the largest size in region `to` over q(a)
//             at the largest size in region `at`.
//   spread    cases {a, b, ...}: the largest q over the smallest, at a size.
//   monotone  cases {a}: q(next) / q(previous) for consecutive sizes in the
//             region (every pair).
//   value     cases {a}: q(a) itself (with `counter`: a counter per unit).
//   hook      a check in code, named by `hook` (the report's hooks module).
// q is the time per unit by default, the byte rate (bytes per unit / time,
// or the bandwidth) with rate = true, or the median of `counter` per unit.
// A claim holds when its value lies in [min, max] (NaN: no bound).
struct Claim {
  std::string kind;
  std::string says;  // the expectation in plain words, for the caption
  std::vector<std::string> cases;
  std::string at = "all";
  std::string to = {};  // growth: the region it grows to
  double min = NAN;
  double max = NAN;
  bool every = false;
  std::string match = "elements";  // ratio, spread: "elements", "working_set" or "largest"
  bool rate = false;
  std::string counter = {};
  // Inconclusive (with the reason) unless some case of the claim records
  // this counter at `needs_min` or more at the points compared: a
  // precondition the machine may not meet (the kernel granting huge pages).
  std::string needs_counter = {};
  double needs_min = NAN;
  std::string hook = {};
  // ratio, growth: the run's own prediction of the ratio, from two more
  // cases (each "family/case" or a case of this family): the claim's value
  // is its ratio (a growth's end over its start) over theirs, per[0] taken
  // at the working set of the claim's first case (a growth's end) and
  // per[1] at the second's (its start), in the same rounds (a case that
  // runs at one size only, at that size); where per_bytes[i] is
  // set, per[i] is taken for that many bytes (its time per unit x bytes /
  // its unit's bytes). The bounds then say how far the measurement may lie
  // from the mechanism the two cases measure on this machine (a random
  // load, a line at the read bandwidth), not from a range that spans every
  // machine.
  std::vector<std::string> per = {};
  std::array<double, 2> per_bytes = {NAN, NAN};
};

// What a figure's horizontal axis shows, where it is not the working set: a
// counter of the case (stride_bytes) and its label.
struct Axis {
  std::string counter;
  std::string label;
};

// A textbook model of what one unit of a case costs, which the report
// evaluates with the machine's parameters measured in the same run (each
// level's size, load latency and read bandwidth) and draws beside the
// measurement. Kinds (the report's models module holds one small function
// for each):
//   random    one dependent load per unit to a random line of the working set
//             W: it hits a level of C bytes with probability min(1, C/W), plus
//             a page walk past the TLB's reach where `page_walks`.
//   cyclic    one dependent load per unit to the next line, around and around:
//             under LRU every load misses each level smaller than W.
//   stream    the lines one unit touches (`bytes` read, `stride` bytes apart:
//             max(bytes, min(stride, line)) bytes moved) over the read
//             bandwidth of the level W fits in.
//   little    Little's law: k dependent chases (the case's axis counter) keep
//             k misses in flight, so a load costs latency(W) / k, and no less
//             than a line over the memory bandwidth.
//   list      a linked list: a hop to another line (the node-gap counters say
//             how many) costs a random access at W, a hop inside the line an
//             L1 load.
// Empty kind: no model. The measurement is expected within `tolerance`
// (relative) of the model; `parts` says in a few words where a student
// should expect it to leave the model and why (the prefetcher, the miss
// buffers): the report says where it does.
struct Model {
  std::string kind = {};
  double bytes = 0;
  double stride = 0;
  bool page_walks = true;
  double tolerance = 0.25;
  std::string parts = {};
};

struct Case {
  std::string name;     // e.g. "list_sum"
  std::string summary;  // one line: what this case shows
  // Peak memory the case needs per unit of its size while it runs (data
  // structure, allocator overhead and helper arrays), used to skip sizes
  // that would not fit in memory instead of attempting them.
  double peak_bytes_per_element = 0;
  CaseFn fn = nullptr;
  std::string label = {};  // short legend label (default: the name)
  Role role = Role::none;
  // Cases of one series are one line in the family's figure, ordered along
  // `axis` (stride's every_k cases: one line over k).
  std::string series = {};
  Axis axis = {};
  Unit unit = {};          // when it differs from the family's
  std::optional<Statistic> statistic = {};  // when it differs from the family's
  // Largest size worth running (0: no limit), for cases whose build time
  // grows faster than the traversal they time.
  std::size_t max_elements = 0;
  std::string max_elements_why = {};
  // Its own sizes, where its units differ from the rest of its family's;
  // null: the family's.
  LadderFn ladder = nullptr;
  // Why a cache simulation cannot model it (the simulator knows one core and
  // no coherence traffic, no prefetcher, no TLB); empty: it can.
  std::string not_simulated = {};
  // Simulated in a default run on a machine without hardware miss counters
  // (a stated subset, so that the report shows misses beside the times in
  // the run's ten minutes): the layouts and the latency ladder.
  bool simulated_by_default = false;
  // Peak memory at a size where it is not proportional to the size (the
  // threads family: a buffer per thread, sized from the caches); null:
  // peak_bytes_per_element times the size.
  double (*peak_bytes)(std::size_t size) = nullptr;
  // Why it cannot run on this machine (an instruction the CPU lacks, a
  // second core); called when the catalogue is listed and registered; null
  // or empty: it can.
  std::string (*unavailable)() = nullptr;
  // The column of the class gallery (many machines on one page) this case
  // fills: "latency" (each level's load latency), "bandwidth" (each level's
  // read rate), "scattered" and "contiguous" (the same traversal over
  // separately allocated nodes and over one array: their ratio). At most
  // one case of the catalogue takes each; empty: none.
  std::string gallery = {};
  // What a textbook model predicts it costs (see Model); empty kind: none.
  Model model = {};

  // The case with its legend label set (for cases made by a helper).
  Case labelled(std::string words) && {
    label = std::move(words);
    return std::move(*this);
  }
  // The case with its own ladder of sizes (for cases made by a helper).
  Case laddered(LadderFn sizes) && {
    ladder = sizes;
    return std::move(*this);
  }
  // The case with its model (for cases made by a helper).
  Case modelled(Model m) && {
    model = std::move(m);
    return std::move(*this);
  }
  // The case, simulated in a default run (for cases made by a helper).
  Case simulated_by_default_run() && {
    simulated_by_default = true;
    return std::move(*this);
  }
};

struct Family {
  std::string name;          // e.g. "scattered_nodes"
  std::string title = {};    // a few plain words for figure titles and contents ("Load latency in each cache level")
  int order = 0;             // teaching order: families are listed by it
  std::string demonstrates;  // what the family shows
  std::string expected;      // the effect a plot should show, in words
  Unit unit;                 // what one unit of its figure is
  std::string size_name;     // what the number in a benchmark name counts
  std::vector<Case> cases;
  std::vector<Claim> claims;  // `expected`, as checks
  Metric metric = Metric::time;
  Statistic statistic = Statistic::median;
  // Its own sizes, when the shared ladder of element counts does not fit;
  // null: the shared ladder.
  LadderFn ladder = nullptr;
  // Show cycles beside ns (latencies and L1 costs, where a cycle count is
  // what a course compares).
  bool cycles = false;
};

// A claim that a chase costs over a streamed layout, beyond the last-level
// cache, at most what a random load costs over `bytes` read at the read
// bandwidth, which is what the streamed layout moves per unit at the least:
// the run's own latency/random_chase over bandwidth/read, at each case's
// working set, with 25% slack. `says` begins with what costs what ("the
// random walk over NPAD 7 nodes costs over the sequential one"); `floor`
// says why the streamed layout moves at least `bytes` per unit, `below`
// what decides how far under the ceiling a machine lands (its prefetcher),
// and `low`, where set, the least share of the ceiling that mechanism
// leaves; `match` pairs the cases' points as Claim::match does. The
// ceiling is a physical limit; ranges fixed in advance span every machine's
// prefetcher and pass by far on each.
Claim under_stream_ceiling(const std::string& says, std::vector<std::string> cases, double bytes,
                           const std::string& floor, const std::string& below, double low = NAN,
                           const std::string& match = "working_set");

// Adds a family to the catalogue; used once per family file through a
// namespace-scope constant. Returns true so it can initialise that constant.
bool add_family(Family family);

// The catalogue in teaching order (Family::order, then name).
const std::vector<Family>& families();

// The family and case of "family/case", or of a benchmark name
// "family/case/size"; null when there is none.
struct CaseRef {
  const Family* family = nullptr;
  const Case* c = nullptr;
  explicit operator bool() const { return c != nullptr; }
};
CaseRef find_case(const std::string& name);

// Benchmark names follow the results contract: <family>/<case>/<size>.
std::string benchmark_name(const Family& family, const Case& c, std::size_t size);

// The case's effective unit and statistic (its own, else its family's).
const Unit& unit_of(const Family& family, const Case& c);
Statistic statistic_of(const Family& family, const Case& c);

// The shared ladder of element counts, for families without one of their
// own: powers of 4 from 1024 (4 KiB of ints) while below the target, then
// the first power of two whose int array is at least twice the last-level
// cache. The quick ladder keeps 4 sizes: in L1, in L2, in the last level,
// and the first power of two whose int array is larger than the last level.
std::vector<std::size_t> shared_ladder(std::size_t llc_bytes, bool quick);

// The sizes a case runs at, the one rule every reader uses (the plan,
// --list, the result file's descriptor): `given` (--sizes) when not empty,
// else the case's own ladder, else its family's, else the shared ladder.
std::vector<std::size_t> case_sizes(const Family& family, const Case& c, std::size_t llc_bytes, bool quick,
                                    const std::vector<std::size_t>& given = {});

// Whether the case's sizes are a ladder of its own or its family's (not
// the shared one).
bool has_own_ladder(const Family& family, const Case& c);

// The peak memory a case needs at a size (its peak_bytes, else
// peak_bytes_per_element times the size).
double peak_bytes_of(const Case& c, std::size_t size);

// Why the case cannot run here, or an empty string.
std::string unavailable_reason(const Case& c);

// The smallest power of two that is at least `v` (1 for 0): ladders end at
// one.
inline std::size_t round_up_pow2(std::size_t v) {
  std::size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

const char* to_string(Metric m);
const char* to_string(Statistic s);
const char* to_string(Role r);

}  // namespace locality
