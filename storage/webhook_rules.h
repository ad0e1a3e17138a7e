// The rules of a webhook subscription, apart from where subscriptions are stored: what an id,
// a URL, an event-type pattern, a signing secret and a description may be, and how a pattern
// matches an event type. WebhookStore checks every subscription it writes with them.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace redress::storage {

// A webhook URL taken apart for connecting. parse_webhook_url accepts exactly the URLs the
// subscription rules accept: http or https, a host, no user information.
struct WebhookEndpoint {
  bool tls = false;    // https
  std::string host;    // without brackets for an IPv6 literal
  std::string port;    // "80" / "443" when the URL names none
  std::string target;  // path and query, "/" when empty; never the fragment
};
Result<WebhookEndpoint> parse_webhook_url(std::string_view url);

// Whether an event type matches one subscription pattern ("*", "case.*", "case.escalated").
bool event_type_matches(std::string_view pattern, std::string_view event_type);

namespace webhook_rules {

// Each check answers nullopt for a valid value, or INVALID_FIELD naming the field's pointer.
std::optional<Error> check_id(std::string_view id);
std::optional<Error> check_url(std::string_view url);
std::optional<Error> check_patterns(const std::vector<std::string>& patterns);
std::optional<Error> check_secret(std::string_view secret);
// Free text (description, reason): valid UTF-8, at most 500 bytes.
std::optional<Error> check_text(std::string_view value, const std::string& what,
                                const std::string& pointer);

// A value as an error message may show it: at most ~60 bytes, anything but printable ASCII
// escaped (messages end up in JSON and logs).
std::string shown(std::string_view value);

}  // namespace webhook_rules
}  // namespace redress::storage
