// RequestHandler: what the transport (api/transport) asks of whoever answers HTTP requests — the
// inverted dependency that keeps Beast's sessions free of routes, stores and configuration.
//
// A request is handled in two steps, so that no body byte is read before the route is known:
//   1. plan(head): from the request line and headers alone, where the request goes (the API or
//      the static files of the console) and what body it may carry — none, a buffered body up to
//      a limit (JSON, 1 MiB by default), or a body streamed to the handler chunk by chunk (bulk
//      imports, attachments: many megabytes, never held whole in memory);
//   2. handle(request) with the body read whole, or handle_streamed(head, body) with a
//      BodyStream the handler reads at its own pace.
// The transport enforces the plan: a Content-Length above the limit is answered 413 before the
// body is read, a chunked body that grows past it is cut off with 413, and a body sent to a route
// that takes none is 413.
//
// Thread-safety: plan() runs on the connection's strand and must not block; handle() and
// handle_streamed() may be called concurrently from every I/O thread; `send` is called exactly
// once, from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http/http_types.h"

namespace redress::api {

// The request line and headers, before any of the body.
using RequestHead = http::request_header<>;

// What a request's body may be, chosen by the matched route before any byte of it is read.
struct BodyPolicy {
  enum class Kind {
    kNone,      // the route takes no body; one is refused with 413
    kBuffered,  // read whole into Request::body(), up to `limit` bytes
    kStreamed,  // handed to handle_streamed() as it arrives, up to `limit` bytes in all
  };
  Kind kind = Kind::kBuffered;
  std::uint64_t limit = 0;

  static BodyPolicy none() { return {Kind::kNone, 0}; }
  static BodyPolicy buffered(std::uint64_t limit) { return {Kind::kBuffered, limit}; }
  static BodyPolicy streamed(std::uint64_t limit) { return {Kind::kStreamed, limit}; }
};

// Where the transport sends a request, decided from its head.
struct RequestPlan {
  enum class Destination {
    kApi,         // handle() / handle_streamed(), by `body`
    kStaticFile,  // no route of the API: a GET or HEAD the console's static files may answer
  };
  Destination destination = Destination::kApi;
  BodyPolicy body;
};

// A request body read as it arrives (BodyPolicy::kStreamed). The handler calls read_some() until
// a chunk comes back with `last`, or until it answers (an answer before the end of the body makes
// the transport close the connection after it, draining what the client still sends so that the
// answer is not lost to a reset).
class BodyStream {
 public:
  enum class Status {
    kOk,         // `data` is the next part of the body (possibly empty when `last`)
    kTooLarge,   // the body exceeds the route's limit: answer 413
    kMalformed,  // the chunked framing is broken: answer 400
    kAborted,    // the client went away or timed out: no answer can reach it
  };
  // `data` stays valid until the next read_some() call or the end of the handler's answer.
  using OnChunk = std::function<void(Status status, std::string_view data, bool last)>;

  virtual ~BodyStream() = default;
  // Reads the next part of the body. At most one read may be pending; `on_chunk` runs on the
  // connection's strand, never inside this call.
  virtual void read_some(OnChunk on_chunk) = 0;
  // Bytes of the body delivered so far.
  virtual std::uint64_t bytes_read() const = 0;
};

using ResponseSender = std::function<void(Response)>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual RequestPlan plan(const RequestHead& head) const = 0;
  // A request whose body was read whole (or that had none).
  virtual void handle(Request request, ResponseSender send) = 0;
  // A request whose plan streams its body. `head` carries the request line and headers and an
  // empty body.
  virtual void handle_streamed(Request head, std::shared_ptr<BodyStream> body,
                               ResponseSender send) = 0;
};

}  // namespace redress::api
