#include "api/http/router.h"

#include "engine/utf8.h"

#include <algorithm>

namespace redress::api {
namespace {

constexpr size_t kMaxTargetBytes = 8 * 1024;
constexpr size_t kMaxQueryParameters = 100;

std::vector<std::string> split_pattern(const std::string& pattern) {
  std::vector<std::string> out;
  size_t start = 1;  // patterns start with '/'
  while (start <= pattern.size()) {
    const size_t end = pattern.find('/', start);
    out.push_back(pattern.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool is_placeholder(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches segments against a pattern; fills `params` on success.
bool matches(const std::string& pattern, const std::vector<std::string>& segments,
             std::map<std::string, std::string>& params) {
  const auto parts = split_pattern(pattern);
  if (parts.size() != segments.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (is_placeholder(parts[i])) {
      if (segments[i].empty()) return false;
      found[parts[i].substr(1, parts[i].size() - 2)] = segments[i];
    } else if (parts[i] != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes; `plus_is_space` for query components (form encoding).
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;  // "%" needs two hex digits after it
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

}  // namespace

void Router::add(RouteSpec route) {
  routes_.push_back(std::move(route));
}

std::variant<RouteMatch, ApiProblem> Router::match(http::verb method,
                                                   const std::vector<std::string>& segments) const {
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!matches(route.pattern, segments, params)) continue;
    if (route.method == method) return RouteMatch{&route, std::move(params)};
    allowed.emplace_back(http::to_string(route.method));
  }
  if (allowed.empty()) {
    return ApiProblem::route_not_found(
        "no endpoint has this path; GET /v1/openapi.json lists every endpoint");
  }
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  std::string list;
  for (const auto& m : allowed) list += (list.empty() ? "" : ", ") + m;
  ApiProblem problem = ApiProblem::method_not_allowed(std::string(http::to_string(method)) +
                                                      " is not allowed here; allowed: " + list);
  problem.extensions["allowed_methods"] = allowed;
  return problem;
}

bool role_allowed(const RouteSpec& route, Role role) {
  return route.roles.empty() ||
         std::find(route.roles.begin(), route.roles.end(), role) != route.roles.end();
}

std::variant<ParsedTarget, ApiProblem> parse_target(std::string_view target) {
  if (target.size() > kMaxTargetBytes) {
    return ApiProblem::bad_request("the request target is longer than 8 KiB");
  }
  if (target.empty() || target.front() != '/') {
    return ApiProblem::bad_request("the request target must be an absolute path");
  }
  ParsedTarget parsed;
  const size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  size_t start = 1;
  while (true) {
    const size_t end = raw_path.find('/', start);
    const auto raw = raw_path.substr(start, end == std::string_view::npos ? end : end - start);
    auto segment = percent_decode(raw, false);
    if (!segment || !is_valid_utf8(*segment)) {
      return ApiProblem::bad_request(
          "the path has an invalid percent-encoding, a NUL byte or invalid UTF-8");
    }
    parsed.segments.push_back(std::move(*segment));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // A trailing slash ("/v1/cases/") is the same route as without it.
  if (parsed.segments.size() > 1 && parsed.segments.back().empty()) parsed.segments.pop_back();
  for (const auto& s : parsed.segments) parsed.path += "/" + s;
  if (question == std::string_view::npos) return parsed;

  std::string_view query = target.substr(question + 1);
  size_t count = 0;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > kMaxQueryParameters) {
      return ApiProblem::invalid_query("more than 100 query parameters");
    }
    const size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value || !is_valid_utf8(*key) || !is_valid_utf8(*value)) {
      ApiProblem problem = ApiProblem::invalid_query(
          "a query parameter has an invalid percent-encoding or invalid UTF-8");
      return problem;
    }
    parsed.query.emplace(std::move(*key), std::move(*value));
  }
  return parsed;
}

}  // namespace redress::api
