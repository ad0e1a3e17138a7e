#include "api/http/metrics.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <string_view>

namespace redress::api {
namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape_label(v) + "\"";
  }
  return out + "}";
}

}  // namespace

std::string prometheus_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // As Go's strconv.FormatFloat(v, 'g', -1, 64), which the Prometheus clients use: the shortest
  // digits that read back as the same double, in exponent form when the decimal exponent is
  // below -4 or at least 6 ("2.5e-05", "1e+06"), else plain ("0.0005", "12345").
  std::array<char, 48> text{};
  auto* const end = text.data() + text.size();
  const auto scientific = std::to_chars(text.data(), end, value, std::chars_format::scientific);
  const std::string_view digits(text.data(), static_cast<size_t>(scientific.ptr - text.data()));
  int exponent = 0;
  const auto e = digits.find('e');
  if (e != std::string_view::npos) {
    const auto* first = digits.data() + e + 1;
    if (*first == '+') ++first;
    std::from_chars(first, digits.data() + digits.size(), exponent);
  }
  if (exponent < -4 || exponent >= 6) return std::string(digits);
  const auto fixed = std::to_chars(text.data(), end, value, std::chars_format::fixed);
  return std::string(text.data(), fixed.ptr);
}

void Metrics::record_request(const std::string& route, const std::string& method, int status,
                             double seconds) {
  MutexLock lock(mutex_);
  ++requests_[{route, method, status}];
  auto& h = latency_[{route, method}];
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::increment(const std::string& name, const std::map<std::string, std::string>& labels,
                        double by) {
  MutexLock lock(mutex_);
  counters_[name][labels] += by;
}

void Metrics::register_gauge(const std::string& name, const std::string& help,
                             std::function<std::vector<Sample>()> collect) {
  MutexLock lock(mutex_);
  gauges_[name] = Gauge{help, std::move(collect)};
}

void Metrics::describe_counter(const std::string& name, const std::string& help) {
  MutexLock lock(mutex_);
  counter_help_[name] = help;
  counters_.try_emplace(name);
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::map<std::string, Gauge> gauges;
  {
    MutexLock lock(mutex_);
    out << "# HELP redress_http_requests_total HTTP requests by route, method and status.\n"
        << "# TYPE redress_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out << "redress_http_requests_total"
          << labels_text({{"route", route}, {"method", method}, {"status", std::to_string(status)}})
          << " " << count << "\n";
    }
    out << "# HELP redress_http_request_duration_seconds Time from request read to response "
           "handed to the socket.\n"
        << "# TYPE redress_http_request_duration_seconds histogram\n";
    for (const auto& [key, h] : latency_) {
      const auto& [route, method] = key;
      for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        out << "redress_http_request_duration_seconds_bucket"
            << labels_text({{"route", route},
                            {"method", method},
                            {"le", prometheus_number(kLatencyBuckets[i])}})
            << " " << h.buckets[i] << "\n";
      }
      out << "redress_http_request_duration_seconds_bucket"
          << labels_text({{"route", route}, {"method", method}, {"le", "+Inf"}}) << " " << h.count
          << "\n";
      out << "redress_http_request_duration_seconds_sum"
          << labels_text({{"route", route}, {"method", method}}) << " " << prometheus_number(h.sum)
          << "\n";
      out << "redress_http_request_duration_seconds_count"
          << labels_text({{"route", route}, {"method", method}}) << " " << h.count << "\n";
    }
    for (const auto& [name, series] : counters_) {
      auto help = counter_help_.find(name);
      out << "# HELP " << name << " "
          << (help == counter_help_.end() ? std::string("Counter.") : help->second) << "\n"
          << "# TYPE " << name << " counter\n";
      for (const auto& [labels, value] : series) {
        out << name << labels_text(labels) << " " << prometheus_number(value) << "\n";
      }
    }
    gauges = gauges_;
  }
  // Gauges are collected outside the lock: they may read the database.
  for (const auto& [name, gauge] : gauges) {
    out << "# HELP " << name << " " << gauge.help << "\n# TYPE " << name << " gauge\n";
    for (const auto& sample : gauge.collect()) {
      out << name << labels_text(sample.labels) << " " << prometheus_number(sample.value) << "\n";
    }
  }
  return out.str();
}

}  // namespace redress::api
