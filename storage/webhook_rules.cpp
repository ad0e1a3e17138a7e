#include "storage/webhook_rules.h"

#include <boost/url/authority_view.hpp>
#include <boost/url/grammar/ci_string.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "engine/utf8.h"

namespace redress::storage {

namespace urls = boost::urls;

namespace webhook_rules {
namespace {

constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxPatterns = 50;
constexpr size_t kMaxPatternLength = 100;
constexpr size_t kMaxDescriptionBytes = 500;
constexpr size_t kMinSecretBytes = 24;
constexpr size_t kMaxSecretBytes = 64;
constexpr std::string_view kSecretPrefix = "whsec_";
constexpr const char* kIdRule = "1 to 128 characters from A-Z, a-z, 0-9 and . _ -";

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_id_char(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

// Why parse_uri refused a URL of printable ASCII: names the part at fault.
std::string why_not_a_uri(std::string_view url) {
  const size_t separator = url.find("://");
  const auto scheme = url.substr(0, separator);
  const bool web_scheme =
      urls::grammar::ci_is_equal(scheme, "https") || urls::grammar::ci_is_equal(scheme, "http");
  if (separator == std::string_view::npos || !web_scheme) {
    return "must start with http:// or https://";
  }
  const auto rest = url.substr(separator + 3);
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "carries user info; credentials do not belong in a webhook URL";
  }
  if (!urls::parse_authority(authority)) {
    if (!authority.empty() && authority.front() == '[') {
      return authority.find(']') == std::string_view::npos
                 ? "has an unterminated IPv6 address"
                 : "has an invalid IPv6 address, or characters after it other than :port";
    }
    return authority.find(':') == std::string_view::npos ? "has an invalid host name"
                                                         : "has an invalid host name or port";
  }
  return "has a path, query or fragment that is not valid; percent-encode characters such as "
         "\" < > { } | \\ ^ ` and '%' not followed by two hex digits";
}

bool is_segment_char(char c) {
  return is_alnum(c) || c == '_' || c == '-';
}

// "*", or dot-separated segments of [A-Za-z0-9_-] whose last may be "*" ("case.*").
bool valid_pattern(std::string_view pattern) {
  if (pattern == "*") return true;
  size_t start = 0;
  for (;;) {
    const size_t dot = pattern.find('.', start);
    const auto segment =
        pattern.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const bool last = dot == std::string_view::npos;
    if (segment.empty()) return false;
    if (segment == "*") return last && start > 0;
    if (!std::all_of(segment.begin(), segment.end(), is_segment_char)) return false;
    if (last) return true;
    start = dot + 1;
  }
}

bool is_base64_char(char c) {
  return is_alnum(c) || c == '+' || c == '/';
}

}  // namespace

std::string shown(std::string_view value) {
  constexpr size_t kShownBytes = 60;
  std::string out;
  for (const char ch : value) {
    if (out.size() >= kShownBytes) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) {
      constexpr const char* kHex = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

std::optional<Error> check_id(std::string_view id) {
  if (id.empty()) {
    return Error::invalid_field(std::string("subscription id is empty; use ") + kIdRule, "/id",
                                problem_params("empty"));
  }
  if (id.size() > kMaxIdLength || !std::all_of(id.begin(), id.end(), is_id_char)) {
    return Error::invalid_field("subscription id '" + shown(id) + "' is not valid; use " + kIdRule,
                                "/id", problem_params("invalid_id"));
  }
  return std::nullopt;
}

std::optional<Error> check_url(std::string_view url) {
  auto parsed = parse_webhook_url(url);
  if (!parsed.ok()) return parsed.error();
  return std::nullopt;
}

std::optional<Error> check_patterns(const std::vector<std::string>& patterns) {
  if (patterns.empty()) {
    return Error::invalid_field(
        "event_types is empty; name at least one event type, or [\"*\"] for every type",
        "/event_types", problem_params("empty"));
  }
  if (patterns.size() > kMaxPatterns) {
    return Error::invalid_field("event_types has " + std::to_string(patterns.size()) +
                                    " patterns; the maximum is " + std::to_string(kMaxPatterns) +
                                    " (a prefix pattern such as \"case.*\" covers many types)",
                                "/event_types",
                                problem_params("too_many_items", {{"maximum", kMaxPatterns}}));
  }
  for (size_t i = 0; i < patterns.size(); ++i) {
    const auto& p = patterns[i];
    const auto pointer = "/event_types/" + std::to_string(i);
    if (p.empty() || p.size() > kMaxPatternLength) {
      return Error::invalid_field(
          "event type pattern '" + shown(p) + "' must be 1 to " +
              std::to_string(kMaxPatternLength) + " characters long",
          pointer,
          problem_params("length_out_of_range",
                         {{"min_length", 1}, {"max_length", kMaxPatternLength}}));
    }
    if (!valid_pattern(p)) {
      return Error::invalid_field(
          "event type pattern '" + shown(p) +
              "' is not valid; use \"*\", an event type such as \"case.escalated\", or "
              "a prefix such as \"case.*\" (segments of A-Z, a-z, 0-9, _ and -)",
          pointer, problem_params("invalid_event_pattern"));
    }
  }
  return std::nullopt;
}

// "whsec_" + canonical base64 (padded) of 24..64 bytes.
std::optional<Error> check_secret(std::string_view secret) {
  const auto rule = std::string("use \"whsec_\" followed by the base64 of ") +
                    std::to_string(kMinSecretBytes) + " to " + std::to_string(kMaxSecretBytes) +
                    " random bytes";
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
    return Error::invalid_field("secret does not start with \"whsec_\"; " + rule, "/secret",
                                problem_params("invalid_secret"));
  }
  const auto body = secret.substr(kSecretPrefix.size());
  size_t padding = 0;
  while (padding < 2 && padding < body.size() && body[body.size() - 1 - padding] == '=') ++padding;
  const auto data = body.substr(0, body.size() - padding);
  if (body.empty() || body.size() % 4 != 0 ||
      !std::all_of(data.begin(), data.end(), is_base64_char)) {
    return Error::invalid_field("secret is not valid base64 after \"whsec_\"; " + rule, "/secret",
                                problem_params("invalid_secret"));
  }
  const size_t bytes = body.size() / 4 * 3 - padding;
  if (bytes < kMinSecretBytes || bytes > kMaxSecretBytes) {
    return Error::invalid_field("secret holds " + std::to_string(bytes) + " bytes; " + rule,
                                "/secret", problem_params("invalid_secret"));
  }
  return std::nullopt;
}

std::optional<Error> check_text(std::string_view value, const std::string& what,
                                const std::string& pointer) {
  if (!utf8_length(value)) {
    return Error::invalid_field(what + " '" + shown(value) + "' is not valid UTF-8", pointer,
                                problem_params("not_utf8"));
  }
  if (value.size() > kMaxDescriptionBytes) {
    return Error::invalid_field(
        what + " is " + std::to_string(value.size()) + " bytes long; the maximum is " +
            std::to_string(kMaxDescriptionBytes) + " bytes",
        pointer, problem_params("too_many_bytes", {{"max_bytes", kMaxDescriptionBytes}}));
  }
  return std::nullopt;
}

}  // namespace webhook_rules

// The URL rules (size bound, why_not_a_uri) live with the other checks above.
using namespace webhook_rules;

Result<WebhookEndpoint> parse_webhook_url(std::string_view url) {
  const auto invalid = [&](const std::string& why) {
    return Error::invalid_field("url '" + shown(url) + "' " + why, "/url",
                                problem_params("invalid_url"));
  };
  if (url.size() > kMaxUrlBytes) {
    return Error::invalid_field(
        "url is " + std::to_string(url.size()) + " bytes long; the maximum is " +
            std::to_string(kMaxUrlBytes) + " bytes",
        "/url", problem_params("too_many_bytes", {{"max_bytes", kMaxUrlBytes}}));
  }
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) {
      return invalid("contains a space, a control character or non-ASCII; percent-encode it");
    }
  }
  const auto parsed = urls::parse_uri(url);
  // Boost.URL 1.81 accepts an authority followed by a path that does not start with '/'
  // ("http://[::1]x/", "https://example.com:8x/"), which RFC 3986's path-abempty forbids.
  const auto path_follows_authority = [&] {
    return !parsed->has_authority() || parsed->encoded_path().empty() ||
           parsed->encoded_path().front() == '/';
  };
  if (!parsed || !path_follows_authority()) return invalid(why_not_a_uri(url));
  const auto scheme = parsed->scheme_id();
  if ((scheme != urls::scheme::http && scheme != urls::scheme::https) || !parsed->has_authority()) {
    return invalid("must start with http:// or https://");
  }
  if (parsed->has_userinfo()) {
    return invalid("carries user info; credentials do not belong in a webhook URL");
  }
  const std::string_view host = parsed->encoded_host_address();
  switch (parsed->host_type()) {
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      break;
    case urls::host_type::ipvfuture:
      return invalid("has an invalid IPv6 address");
    case urls::host_type::name:
    case urls::host_type::none:
      // Host names take the characters of ids: no percent-encoding, no sub-delimiters.
      if (!std::all_of(host.begin(), host.end(), is_id_char)) {
        return invalid("has an invalid host name");
      }
      break;
  }
  if (host.empty()) return invalid("has no host");
  const std::string_view port = parsed->port();
  if (parsed->has_port()) {
    if (port.empty()) return invalid("has an empty port");
    if (port.size() > 5) return invalid("has an invalid port");  // only digits parse as a port
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return invalid("has a port outside 1..65535");
  }
  WebhookEndpoint endpoint;
  endpoint.tls = scheme == urls::scheme::https;
  endpoint.host = std::string(host);
  endpoint.port = port.empty() ? (endpoint.tls ? "443" : "80") : std::string(port);
  // The fragment is the receiver's business and never sent.
  const std::string_view path = parsed->encoded_path();
  endpoint.target = path.empty() ? "/" : std::string(path);
  if (parsed->has_query()) endpoint.target += "?" + std::string(parsed->encoded_query());
  return endpoint;
}

bool event_type_matches(std::string_view pattern, std::string_view event_type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const auto prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return event_type.size() > prefix.size() && event_type.substr(0, prefix.size()) == prefix;
  }
  return pattern == event_type;
}

}  // namespace redress::storage
