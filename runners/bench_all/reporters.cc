#include "runners/bench_all/reporters.h"

#include <unistd.h>

#include <iostream>

#include "runners/lib/context.h"
#include "runners/lib/result_file.h"
#include "runners/lib/sampling.h"

namespace locality {

Journal::Journal(std::filesystem::path path, nlohmann::json locality)
    : path_(std::move(path)), locality_(std::move(locality)) {
  locality_["run"]["incomplete"] = "the run stopped before it ended (killed, out of memory, or the machine "
                                   "stopped): this file holds every benchmark finished until then";
}

void Journal::remove() {
  if (created_) unlink(path_.c_str());
  created_ = false;
}

void Journal::record(const std::vector<nlohmann::json>& passes, const std::string& current) {
  if (created_ && std::chrono::steady_clock::now() - last_ < kInterval) {
    pending_ = true;
    return;
  }
  write([&] {
    std::vector<nlohmann::json> all = passes;
    all.push_back(parse_benchmark_json(current + "\n  ]\n}\n"));
    return all;
  });
}

void Journal::flush(const std::vector<nlohmann::json>& passes) {
  if (pending_) write([&] { return passes; });
}

void Journal::write(const std::function<std::vector<nlohmann::json>()>& passes) {
  try {
    const std::vector<nlohmann::json> all = passes();
    nlohmann::json result;
    result["context"] = all.front().value("context", nlohmann::json::object());
    result["context"]["locality"] = locality_;
    std::vector<std::string> out_of_time;  // said by the result file, not the journal
    result["benchmarks"] = kept_benchmarks(all, out_of_time);
    // Made with the first finished benchmark, exclusively (a file of that
    // name that exists is never replaced), then rewritten as a whole.
    if (created_) {
      rewrite_own_file(path_, result.dump(1) + "\n");
    } else {
      write_new_file(path_, result.dump(1) + "\n");
      created_ = true;
    }
    pending_ = false;
    last_ = std::chrono::steady_clock::now();
  } catch (const std::exception& e) {
    if (!warned_) std::cerr << "bench_all: cannot update " << path_.string() << ": " << e.what() << "\n";
    warned_ = true;
  }
}

}  // namespace locality
