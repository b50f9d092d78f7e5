// Where Google Benchmark's output goes during a run: the display the user
// asked for (one run however many passes), the JSON of every pass for the
// result file, and the journal that keeps what is done on disk.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace locality {

// The run so far, on disk: a result file beside the one the run will
// write (<stem>.partial.json), rewritten atomically when Google Benchmark
// reports a finished benchmark (all its repetitions) and the last rewrite
// is kInterval old, and at the end of every family's pass; removed once
// the result file is written; it exists from the first finished benchmark
// on. If the run is killed (SIGKILL, the OOM killer, a crash), it is what
// survives: a valid result file marked incomplete, which locality-report
// renders, short of at most the family running. (Each rewrite copies the
// whole run so far: after every benchmark, the rewrites of a default run
// had grown to a tenth of a second each, a minute in all.)
class Journal {
 public:
  static constexpr std::chrono::milliseconds kInterval{2000};

  Journal(std::filesystem::path path, nlohmann::json locality);
  ~Journal() { remove(); }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // `current` is the pass running, as Google Benchmark's JSON so far;
  // written where the last rewrite is kInterval old, else kept for flush().
  void record(const std::vector<nlohmann::json>& passes, const std::string& current);
  // Writes the finished passes if a record() since the last rewrite was not written.
  void flush(const std::vector<nlohmann::json>& passes);
  void remove();
  const std::filesystem::path& path() const { return path_; }

 private:
  // The passes (built only when written) as a result file, or a warning once.
  void write(const std::function<std::vector<nlohmann::json>()>& passes);
  std::filesystem::path path_;
  nlohmann::json locality_;
  bool created_ = false;
  bool warned_ = false;
  bool pending_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// Google Benchmark's JSON of a pass, captured as a file reporter: the file
// gets every repetition whatever the display flags say. Each finished
// benchmark also goes to the journal.
class Capture : public benchmark::BenchmarkReporter {
 public:
  Capture(Journal* journal, const std::vector<nlohmann::json>* passes) : journal_(journal), passes_(passes) {
    json_.SetOutputStream(&text_);
    json_.SetErrorStream(&text_);
  }
  bool ReportContext(const Context& context) override { return json_.ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override {
    json_.ReportRuns(runs);
    if (journal_ && !runs.empty()) journal_->record(*passes_, text_.str());
  }
  void Finalize() override { json_.Finalize(); }
  std::string text() const { return text_.str(); }

 private:
  Journal* journal_;
  const std::vector<nlohmann::json>* passes_;
  benchmark::JSONReporter json_;
  std::ostringstream text_;
};

// The display Google Benchmark's flags ask for (--benchmark_format ...),
// shown as one run: its header once, its end (JSON's closing brackets) once
// after the last pass. Passed explicitly: given null, Google Benchmark 1.7
// frees its default display reporter after one call, and a second pass
// would use it freed.
class Display : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override {
    if (shown_) return true;
    shown_ = true;
    return inner_->ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override { inner_->ReportRuns(runs); }
  void Finalize() override {}
  void finish() {
    if (shown_) inner_->Finalize();
  }

 private:
  benchmark::BenchmarkReporter* inner_ = benchmark::CreateDefaultDisplayReporter();
  bool shown_ = false;
};

}  // namespace locality
