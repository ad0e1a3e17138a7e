// RequestContext and Responder: what a route handler gets, and how it answers.
//
// A handler may answer at once (reads) or later from another thread (writes answer from the
// storage writer after the durable commit). The Responder is therefore thread-safe and
// single-shot: the first call sends, later calls are ignored (and are a bug). The context is
// shared so that asynchronous work can keep the request alive until it answers.
//
// Thread-safety: a context is used by one handler at a time; the Responder may be called from
// any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http/http_types.h"
#include "api/http/problem.h"
#include "engine/role.h"
#include "engine/time.h"

namespace redress::api {

// Who sent the request: an authenticated token, its role and (when it belongs to a person) the
// user and their team. `actor` is what the engine sees. A console session acts as its parent
// token: `token_id` is the parent's (rate limits and revocations key on it) and `session_id`
// names the session.
struct Principal {
  Actor actor;
  std::string token_id;
  std::string user_id;     // empty for integration tokens not tied to a person
  std::string session_id;  // empty unless the request came with a session secret (rds_...)
  // An integration token's scopes (api/http/token_scopes.h); empty for a person's token, which
  // acts by its role and team.
  std::vector<std::string> scopes;
};

struct RequestContext {
  Request request;
  std::string path;                                // percent-decoded path, without the query
  std::map<std::string, std::string> path_params;  // {id} -> value, percent-decoded
  std::multimap<std::string, std::string> query;   // decoded query parameters
  std::optional<Principal> principal;              // set for every authenticated route
  Instant now{};                                   // the server clock when the request arrived
  std::string route;                               // the route pattern, for logs and metrics
  std::string request_id;                          // echoed as X-Request-Id

  const Principal& who() const { return *principal; }
  const Actor& actor() const { return principal->actor; }
  std::string param(const std::string& name) const {
    auto it = path_params.find(name);
    return it == path_params.end() ? std::string() : it->second;
  }
};

using RequestPtr = std::shared_ptr<RequestContext>;

class Responder {
 public:
  using Send = std::function<void(Response)>;
  // Receives every 5xx problem answered through problem(), before it is sent: the pipeline logs
  // its cause under the request id (the client sees only a generic detail).
  using FaultLog = std::function<void(const ApiProblem&)>;
  explicit Responder(Send send, FaultLog log_fault = {})
      : state_(std::make_shared<State>(std::move(send), std::move(log_fault))) {}

  void operator()(Response response) const;

  // Convenience forms.
  void json(const RequestContext& ctx, http::status status, const nlohmann::json& body) const;
  // The problem+json answer; a 5xx's cause goes to the fault log first.
  void problem(const RequestContext& ctx, const ApiProblem& problem) const;
  void no_content(const RequestContext& ctx) const;

 private:
  struct State {
    State(Send s, FaultLog l) : send(std::move(s)), log_fault(std::move(l)) {}
    Send send;
    FaultLog log_fault;
    std::atomic<bool> sent{false};
  };
  std::shared_ptr<State> state_;
};

// A JSON response with the usual headers (Content-Type, Cache-Control: no-store).
Response json_response(const Request& request, http::status status, const nlohmann::json& body);
// The same for a body that is already serialised JSON (a stored document served as is).
Response json_text_response(const Request& request, http::status status, std::string body);

using Handler = std::function<void(RequestPtr, Responder)>;
// A route whose body is streamed (BodyPolicy::kStreamed): the request context has the head and
// an empty body; the handler reads `body` and answers through the Responder.
class BodyStream;
using StreamHandler = std::function<void(RequestPtr, std::shared_ptr<BodyStream> body, Responder)>;

}  // namespace redress::api
