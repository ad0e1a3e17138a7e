#include "api/transport/static_files.h"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <system_error>
#include <utility>

#include <boost/beast/core/file.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>

#include "api/http/problem.h"
#include "api/http/router.h"

namespace redress::api {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;

struct ContentType {
  const char* extension;
  const char* type;
};

constexpr std::array kContentTypes = {
    ContentType{".html", "text/html; charset=utf-8"},
    ContentType{".js", "text/javascript; charset=utf-8"},
    ContentType{".mjs", "text/javascript; charset=utf-8"},
    ContentType{".css", "text/css; charset=utf-8"},
    ContentType{".json", "application/json"},
    ContentType{".map", "application/json"},
    ContentType{".webmanifest", "application/manifest+json"},
    ContentType{".svg", "image/svg+xml"},
    ContentType{".png", "image/png"},
    ContentType{".jpg", "image/jpeg"},
    ContentType{".jpeg", "image/jpeg"},
    ContentType{".gif", "image/gif"},
    ContentType{".webp", "image/webp"},
    ContentType{".ico", "image/x-icon"},
    ContentType{".woff2", "font/woff2"},
    ContentType{".woff", "font/woff"},
    ContentType{".txt", "text/plain; charset=utf-8"},
    ContentType{".wasm", "application/wasm"},
};

// A segment that must never name a file: hidden files, the dot segments, and anything that
// could step out of its directory once decoded.
bool unsafe_segment(const std::string& segment) {
  if (segment.empty() || segment.front() == '.') return true;
  for (char c : segment) {
    if (c == '/' || c == '\\' || c == '\0') return true;
  }
  return false;
}

bool inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

void set_security_headers(http::fields& fields) {
  fields.set("Content-Security-Policy", StaticFiles::kContentSecurityPolicy);
  fields.set("X-Content-Type-Options", "nosniff");
  fields.set("Referrer-Policy", "no-referrer");
}

http::message_generator problem(const Request& request, ErrorCode code, const std::string& detail) {
  auto response = problem_response(ApiProblem(code, detail), request);
  set_security_headers(response.base());
  if (code == ErrorCode::kMethodNotAllowed) response.set(http::field::allow, "GET, HEAD");
  if (request.method() == http::verb::head) response.body().clear();
  response.prepare_payload();
  return http::message_generator(std::move(response));
}

// A strong validator: the file's size and modification time, which change when a build
// replaces it.
std::string entity_tag(std::uintmax_t size, fs::file_time_type modified) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "\"%jx-%llx\"", size,
                static_cast<unsigned long long>(modified.time_since_epoch().count()));
  return buffer;
}

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
  if (if_none_match == "*") return true;
  // A list of entity tags, possibly weak ("W/"): weak comparison (RFC 9110 §13.1.2).
  size_t start = 0;
  while (start < if_none_match.size()) {
    auto end = if_none_match.find(',', start);
    if (end == std::string_view::npos) end = if_none_match.size();
    auto tag = if_none_match.substr(start, end - start);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string static_content_type(const fs::path& file) {
  std::string extension = file.extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& entry : kContentTypes) {
    if (extension == entry.extension) return entry.type;
  }
  return "application/octet-stream";
}

Result<std::shared_ptr<const StaticFiles>> StaticFiles::open(const std::string& root) {
  std::error_code ec;
  const auto canonical = fs::canonical(root, ec);
  if (ec) {
    return Error::invalid_config("--console-dir " + root + ": " + ec.message());
  }
  if (!fs::is_directory(canonical, ec)) {
    return Error::invalid_config("--console-dir " + root + " is not a directory");
  }
  return std::shared_ptr<const StaticFiles>(new StaticFiles(canonical));
}

http::message_generator StaticFiles::serve(const Request& request) const {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return problem(request, ErrorCode::kMethodNotAllowed,
                   "the console's files answer GET and HEAD only");
  }
  auto target = parse_target(request.target());
  if (auto* bad = std::get_if<ApiProblem>(&target)) return problem(request, bad->code, bad->detail);
  const auto& segments = std::get<ParsedTarget>(target).segments;
  const auto not_found = [&] {
    return problem(request, ErrorCode::kNotFound,
                   "there is no file " + std::string(request.target()) + " in the console");
  };

  fs::path path = root_;
  for (const auto& segment : segments) {
    if (segment.empty()) continue;  // "/" and a trailing slash
    if (unsafe_segment(segment)) return not_found();
    path /= segment;
  }
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (!ec && fs::is_directory(status)) {
    path /= "index.html";
    status = fs::status(path, ec);
  } else if ((ec || !fs::exists(status)) && !segments.empty() && !segments.back().empty() &&
             fs::path(segments.back()).extension().empty()) {
    path = root_ / "index.html";  // a client-side route of the console
    status = fs::status(path, ec);
  }
  if (ec || !fs::is_regular_file(status)) return not_found();
  const auto resolved = fs::canonical(path, ec);
  if (ec || !inside(root_, resolved)) return not_found();  // a link out of the root

  const auto size = fs::file_size(resolved, ec);
  if (ec) return not_found();
  const auto modified = fs::last_write_time(resolved, ec);
  if (ec) return not_found();
  const auto etag = entity_tag(size, modified);
  const bool immutable = segments.size() > 1 && segments.front() == "assets";
  const char* cache_control = immutable ? "public, max-age=31536000, immutable" : "no-cache";

  const auto head_fields = [&](http::fields& fields) {
    fields.set(http::field::etag, etag);
    fields.set(http::field::cache_control, cache_control);
    set_security_headers(fields);
  };
  if (etag_matches(request[http::field::if_none_match], etag)) {
    http::response<http::empty_body> response{http::status::not_modified, request.version()};
    head_fields(response.base());
    response.keep_alive(request.keep_alive());
    return http::message_generator(std::move(response));
  }
  const auto content_type = static_content_type(resolved);
  if (request.method() == http::verb::head) {
    http::response<http::empty_body> response{http::status::ok, request.version()};
    head_fields(response.base());
    response.set(http::field::content_type, content_type);
    response.content_length(size);
    response.keep_alive(request.keep_alive());
    return http::message_generator(std::move(response));
  }
  http::file_body::value_type body;
  beast::error_code open_error;
  body.open(resolved.c_str(), beast::file_mode::scan, open_error);
  if (open_error) return not_found();
  const auto length = body.size();
  http::response<http::file_body> response{std::piecewise_construct,
                                           std::make_tuple(std::move(body)),
                                           std::make_tuple(http::status::ok, request.version())};
  head_fields(response.base());
  response.set(http::field::content_type, content_type);
  response.content_length(length);
  response.keep_alive(request.keep_alive());
  return http::message_generator(std::move(response));
}

}  // namespace redress::api
