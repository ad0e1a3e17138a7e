#include "api/http/request_context.h"

namespace redress::api {

void Responder::operator()(Response response) const {
  if (state_->sent.exchange(true)) return;  // single-shot: a second answer is dropped
  state_->send(std::move(response));
}

Response json_response(const Request& request, http::status status, const nlohmann::json& body) {
  return json_text_response(request, status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response json_text_response(const Request& request, http::status status, std::string body) {
  Response response{status, request.version()};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

void Responder::json(const RequestContext& ctx, http::status status,
                     const nlohmann::json& body) const {
  (*this)(json_response(ctx.request, status, body));
}

void Responder::problem(const RequestContext& ctx, const ApiProblem& problem) const {
  if (state_->log_fault && !state_->sent.load() &&
      static_cast<int>(problem_status(problem.code)) >= 500) {
    state_->log_fault(problem);
  }
  (*this)(problem_response(problem, ctx.request));
}

void Responder::no_content(const RequestContext& ctx) const {
  Response response{http::status::no_content, ctx.request.version()};
  response.keep_alive(ctx.request.keep_alive());
  response.prepare_payload();
  (*this)(std::move(response));
}

}  // namespace redress::api
