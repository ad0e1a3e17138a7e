// StaticFiles: serves the web console's built assets from one directory, outside the /v1
// router (HttpSession asks for it when the handler's plan says a GET or HEAD matches no route).
//
// What it answers:
//   - "/" and any directory: its index.html;
//   - a path whose last segment has no extension and names no file: the root's index.html, so
//     the console's client-side routes ("/cases/C-7") load the console;
//   - a regular file inside the root: the file, streamed from disk (never read whole), with its
//     Content-Type, a strong ETag (size and modification time) answered 304 on If-None-Match,
//     and Cache-Control: `immutable` for files under assets/ (content-hashed names), `no-cache`
//     for everything else;
//   - anything else: 404 problem+json. Hidden files, "." and ".." segments, a segment holding a
//     slash, backslash or NUL, and symbolic links that lead outside the root are not served.
// Every answer carries a strict Content-Security-Policy (same origin only, no inline script or
// style, no framing), `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`.
//
// Thread-safety: immutable after open(); serve() may be called from every I/O thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <boost/beast/http/message_generator.hpp>

#include "api/http/http_types.h"
#include "engine/result.h"

namespace redress::api {

class StaticFiles {
 public:
  // The policy sent with every static answer (the console is built to need no more).
  static constexpr const char* kContentSecurityPolicy =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
      "form-action 'self'; frame-ancestors 'none'";

  // `root` must be a directory; INVALID_CONFIG otherwise.
  static Result<std::shared_ptr<const StaticFiles>> open(const std::string& root);

  // The answer to a GET or HEAD request (other methods: 405).
  http::message_generator serve(const Request& request) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path root_;  // canonical
};

// The Content-Type for a file name, by its extension ("application/octet-stream" when unknown).
std::string static_content_type(const std::filesystem::path& file);

}  // namespace redress::api
