#include "api/http/router.h"

#include "api/http/token_scopes.h"

#include "engine/utf8.h"

#include <algorithm>
#include <stdexcept>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/grammar/charset.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_path.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url_view.hpp>

namespace redress::api {
namespace {

namespace urls = boost::urls;

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

// Shown in messages: the byte itself when printable ASCII, else its hex value.
std::string shown_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte > 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  constexpr const char* kHex = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xF];
}

// Why parse_origin_form refused `raw` (the path, or the query without its '?'): the first
// character RFC 3986 does not allow there, or the first '%' not followed by two hex digits.
std::string why_not_origin_form(std::string_view raw, std::string_view component,
                                const urls::grammar::lut_chars& allowed) {
  auto it = raw.begin();
  while (true) {
    it = urls::grammar::find_if_not(it, raw.end(), allowed);
    if (it == raw.end()) break;
    if (*it != '%') {
      return "the " + std::string(component) + " contains " + shown_byte(*it) +
             ", which must be percent-encoded";
    }
    const auto escape = raw.substr(static_cast<size_t>(it - raw.begin()), 3);
    if (escape.size() < 3 || !urls::make_pct_string_view(escape)) {
      return "the " + std::string(component) + " has an invalid percent-encoding '" +
             std::string(escape) + "'; '%' must be followed by two hex digits";
    }
    it += 3;
  }
  return "the " + std::string(component) + " is not valid";
}

// Percent-decodes one already validated component; nullopt when the result holds a NUL byte
// or is not UTF-8. `options` says whether '+' means a space (in the query only).
std::optional<std::string> decoded_text(urls::pct_string_view encoded,
                                        urls::encoding_opts options = {}) {
  auto text = encoded.decode(options);
  if (text.find('\0') != std::string::npos || !is_valid_utf8(text)) return std::nullopt;
  return text;
}

// Splits a grammar-checked path into its percent-decoded segments, or says which segment
// decodes to a NUL byte or invalid UTF-8. The path is split on '/' here rather than through
// encoded_segments(), which hides a leading "/." (Boost.URL's guard for paths starting "//"):
// "/./v1/cases" must not reach the route of "/v1/cases". Every segment has passed the grammar,
// so pct_string_view's check cannot throw.
std::optional<ApiProblem> decode_path(std::string_view raw_path,
                                      std::vector<std::string>& segments) {
  size_t start = 1;  // origin-form paths start with '/'
  while (true) {
    const size_t end = raw_path.find('/', start);
    const auto raw = raw_path.substr(start, end == std::string_view::npos ? end : end - start);
    auto decoded = decoded_text(urls::pct_string_view(raw));
    if (!decoded) {
      return ApiProblem::bad_request("path segment '" + std::string(raw) +
                                     "' decodes to a NUL byte or invalid UTF-8");
    }
    segments.push_back(std::move(*decoded));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

void Router::add(RouteSpec route) {
  if (route.case_command) {
    if (!route.roles.empty()) {
      throw std::logic_error("route " + route.operation_id +
                             " runs a case command: its roles come from the role table");
    }
    route.roles = command_roles(*route.case_command);
  }
  auto scope = required_scope(route.method, route.pattern, route.case_command);
  if (!scope && route.requires_token && role_allowed(route, Role::kIntegration)) {
    throw std::logic_error("route " + route.operation_id +
                           " admits integration tokens but api/http/token_scopes.cpp gives it "
                           "no scope");
  }
  route.scope = scope.value_or("");
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

bool scope_allowed(const RouteSpec& route, const Principal& principal) {
  if (principal.actor.role != Role::kIntegration || route.scope.empty()) return true;
  const auto& held = principal.scopes;
  return std::find(held.begin(), held.end(), route.scope) != held.end();
}

ApiProblem scope_refusal(const RouteSpec& route) {
  ApiProblem problem(ErrorCode::kInsufficientScope,
                     "this integration token lacks the scope '" + route.scope + "' needed to " +
                         route.summary + "; an admin can create a token with it");
  problem.extensions["required_scope"] = route.scope;
  return problem;
}

RouteSpec case_command_route(http::verb method, std::string pattern, std::string operation_id,
                             std::string summary, CommandKind command, Handler handler) {
  RouteSpec route;
  route.method = method;
  route.pattern = std::move(pattern);
  route.operation_id = std::move(operation_id);
  route.summary = std::move(summary);
  route.handler = std::move(handler);
  route.case_command = command;
  return route;
}

ApiProblem role_refusal(const RouteSpec& route, Role role) {
  if (route.case_command) {
    if (auto rejection = check_command_role(*route.case_command, role)) {
      return from_rejection(*rejection);
    }
  }
  std::string roles;
  for (Role r : route.roles) roles += (roles.empty() ? "" : ", ") + std::string(role_name(r));
  auto problem = ApiProblem::forbidden(std::string("the role ") + role_name(role) + " may not " +
                                       route.summary + "; allowed: " + roles);
  auto allowed = nlohmann::json::array();
  for (Role r : route.roles) allowed.push_back(role_name(r));
  problem.extensions["allowed_roles"] = std::move(allowed);
  return problem;
}

std::variant<ParsedTarget, ApiProblem> parse_target(std::string_view target) {
  if (target.size() > kMaxTargetBytes) {
    return ApiProblem::bad_request("the request target is longer than 8 KiB");
  }
  if (target.empty() || target.front() != '/') {
    return ApiProblem::bad_request("the request target must be an absolute path");
  }
  const auto url = urls::parse_origin_form(target);
  if (!url) {
    const size_t question = target.find('?');
    const auto raw_path = target.substr(0, question);
    if (question == std::string_view::npos || !urls::parse_path(raw_path)) {
      return ApiProblem::bad_request(why_not_origin_form(raw_path, "path", urls::pchars + '/'));
    }
    std::vector<std::string> segments;  // the path is blamed before the query
    if (auto problem = decode_path(raw_path, segments)) return *problem;
    return ApiProblem::invalid_query(
        why_not_origin_form(target.substr(question + 1), "query", urls::pchars + '/' + '?'));
  }

  ParsedTarget parsed;
  if (auto problem = decode_path(url->encoded_path(), parsed.segments)) return *problem;
  // A trailing slash ("/v1/cases/") is the same route as without it.
  if (parsed.segments.size() > 1 && parsed.segments.back().empty()) parsed.segments.pop_back();
  for (const auto& s : parsed.segments) parsed.path += "/" + s;

  // Browsers send a space in a query as '+' (form encoding), so '+' decodes to a space there;
  // a literal plus arrives as %2B.
  urls::encoding_opts form_encoding;
  form_encoding.space_as_plus = true;
  size_t count = 0;
  for (const auto param : url->encoded_params()) {
    if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2", a bare "?"
    if (++count > kMaxQueryParameters) {
      return ApiProblem::invalid_query("more than 100 query parameters");
    }
    auto key = decoded_text(param.key, form_encoding);
    auto value = decoded_text(param.value, form_encoding);
    if (!key || !value) {
      return ApiProblem::invalid_query("query parameter '" + std::string(param.key) +
                                       "' decodes to a NUL byte or invalid UTF-8");
    }
    parsed.query.emplace(std::move(*key), std::move(*value));
  }
  return parsed;
}

}  // namespace redress::api
