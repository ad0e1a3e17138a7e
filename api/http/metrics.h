// Metrics: the server's counters and latency histograms, rendered in the Prometheus text format.
//
// Request metrics are labelled by route pattern (never the raw path, which would make one series
// per case), method and status. Gauges that live elsewhere (open cases by state, pending
// approvals, webhook queue depth, WebSocket connections) are collected at scrape time through
// registered callbacks, so /metrics always shows current values without bookkeeping on the hot
// path.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "engine/mutex.h"

namespace redress::api {

// A sample value or `le` bound as the Prometheus clients print it: the shortest text that reads
// back as the same double (0.0005, 1, 2.5e-05), "+Inf", "-Inf", "NaN".
std::string prometheus_number(double value);

class Metrics {
 public:
  void record_request(const std::string& route, const std::string& method, int status,
                      double seconds);
  // Counters incremented by name with fixed labels ("redress_escalations_total", {"level",..}).
  void increment(const std::string& name, const std::map<std::string, std::string>& labels = {},
                 double by = 1);

  struct Sample {
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  // A gauge family computed at scrape time.
  void register_gauge(const std::string& name, const std::string& help,
                      std::function<std::vector<Sample>()> collect);
  // Help text for a counter family created through increment().
  void describe_counter(const std::string& name, const std::string& help);

  std::string render() const;

  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

 private:
  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string help;
    std::function<std::vector<Sample>()> collect;
  };
  mutable Mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_ GUARDED_BY(mutex_);
  std::map<std::pair<std::string, std::string>, Histogram> latency_ GUARDED_BY(mutex_);
  std::map<std::string, std::map<std::map<std::string, std::string>, double>> counters_
      GUARDED_BY(mutex_);
  std::map<std::string, std::string> counter_help_ GUARDED_BY(mutex_);
  std::map<std::string, Gauge> gauges_ GUARDED_BY(mutex_);
};

}  // namespace redress::api
