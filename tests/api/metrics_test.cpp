// The Prometheus text rendering of Metrics, without a server: numbers and `le` bounds are
// printed as the Prometheus clients print them.
#include "api/http/metrics.h"

#include <limits>
#include <string>

#include <boost/test/unit_test.hpp>

namespace redress::api {

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(numbers_are_the_shortest_text_that_reads_back) {
  BOOST_TEST(prometheus_number(0.0005) == "0.0005");
  BOOST_TEST(prometheus_number(0.0025) == "0.0025");
  BOOST_TEST(prometheus_number(0.1) == "0.1");
  BOOST_TEST(prometheus_number(1) == "1");
  BOOST_TEST(prometheus_number(0) == "0");
  BOOST_TEST(prometheus_number(12345) == "12345");
  BOOST_TEST(prometheus_number(0.0001) == "0.0001");  // not "1e-04"
  BOOST_TEST(prometheus_number(2.5e-05) == "2.5e-05");
  BOOST_TEST(prometheus_number(123456) == "123456");
  BOOST_TEST(prometheus_number(1e6) == "1e+06");
  BOOST_TEST(prometheus_number(1234567) == "1.234567e+06");
  BOOST_TEST(prometheus_number(-2.5) == "-2.5");
  BOOST_TEST(prometheus_number(0.1 + 0.2) == "0.30000000000000004");  // exact, not rounded
  BOOST_TEST(prometheus_number(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(prometheus_number(-std::numeric_limits<double>::infinity()) == "-Inf");
  BOOST_TEST(prometheus_number(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

BOOST_AUTO_TEST_CASE(histogram_bounds_render_as_clients_print_them) {
  Metrics metrics;
  metrics.record_request("/v1/cases", "GET", 200, 0.0004);
  const std::string text = metrics.render();
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "5", "+Inf"}) {
    const std::string series = "redress_http_request_duration_seconds_bucket{le=\"" +
                               std::string(le) + "\",method=\"GET\",route=\"/v1/cases\"} 1\n";
    BOOST_TEST_INFO("looking for " << series);
    BOOST_TEST(text.find(series) != std::string::npos);
  }
  BOOST_TEST(text.find("0000000") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
