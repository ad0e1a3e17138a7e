// RequestPipeline as the transport's RequestHandler, without sockets: the plan it makes from a
// request head (which body, the API or the console's files), and the checks a streamed body
// passes before the first byte of it is read.
#include <memory>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "api/http/request_pipeline.h"
#include "api/routes/server_context.h"
#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

namespace http = boost::beast::http;
using Destination = api::RequestPlan::Destination;
using Kind = api::BodyPolicy::Kind;

api::RequestHead head(http::verb method, std::string_view target) {
  api::RequestHead h;
  h.method(method);
  h.target(target);
  h.version(11);
  return h;
}

// A body that records whether anyone read it.
class UntouchedBody : public api::BodyStream {
 public:
  void read_some(OnChunk) override { ++reads; }
  std::uint64_t bytes_read() const override { return 0; }
  int reads = 0;
};

api::Router test_router(int& imports) {
  api::Router router;
  api::RouteSpec json_route{http::verb::post,
                            "/v1/things",
                            "createThing",
                            "create things",
                            {Role::kAgent},
                            true,
                            [](api::RequestPtr ctx, api::Responder r) {
                              r.json(*ctx, http::status::created, {{"ok", true}});
                            }};
  router.add(json_route);
  api::RouteSpec bare{http::verb::delete_,
                      "/v1/things/{id}",
                      "deleteThing",
                      "delete things",
                      {Role::kAgent},
                      true,
                      [](api::RequestPtr ctx, api::Responder r) {
                        r.json(*ctx, http::status::ok, {{"deleted", true}});
                      }};
  bare.body = api::BodyPolicy::none();
  router.add(bare);
  api::RouteSpec upload{http::verb::post, "/v1/imports", "importThings", "import things",
                        {Role::kAdmin},   true,          nullptr};
  upload.body = api::BodyPolicy::streamed(512 * 1024 * 1024);
  upload.stream_handler = [&imports](api::RequestPtr ctx, std::shared_ptr<api::BodyStream>,
                                     api::Responder r) {
    ++imports;
    r.json(*ctx, http::status::accepted, {{"importing", true}});
  };
  router.add(upload);
  return router;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_pipeline)

BOOST_AUTO_TEST_CASE(the_matched_route_chooses_the_body_before_it_is_read) {
  TestServer server;
  int imports = 0;
  api::RequestPipeline pipeline(api::pipeline_services(server.server().context()),
                                test_router(imports));
  const auto json = pipeline.plan(head(http::verb::post, "/v1/things"));
  BOOST_TEST((json.destination == Destination::kApi));
  BOOST_TEST((json.body.kind == Kind::kBuffered));
  BOOST_TEST(json.body.limit == server.config().body_limit);

  const auto bare = pipeline.plan(head(http::verb::delete_, "/v1/things/T-1"));
  BOOST_TEST((bare.body.kind == Kind::kNone));

  const auto upload = pipeline.plan(head(http::verb::post, "/v1/imports?dry_run=true"));
  BOOST_TEST((upload.body.kind == Kind::kStreamed));
  BOOST_TEST(upload.body.limit == 512u * 1024 * 1024);

  // Unknown API paths and wrong methods are the API's to answer (404 / 405), with the default
  // JSON body; so is a target that does not parse.
  for (const auto& [method, target] :
       {std::pair{http::verb::get, "/v1/nothing"}, std::pair{http::verb::put, "/v1/imports"},
        std::pair{http::verb::get, "/v1"}, std::pair{http::verb::post, "/index.html"},
        std::pair{http::verb::get, "/%zz"}}) {
    const auto plan = pipeline.plan(head(method, target));
    BOOST_TEST((plan.destination == Destination::kApi), target);
    BOOST_TEST((plan.body.kind == Kind::kBuffered), target);
  }
  // A GET or HEAD outside /v1 that no route serves may be a file of the console.
  for (const auto& [method, target] :
       {std::pair{http::verb::get, "/"}, std::pair{http::verb::get, "/assets/app.js"},
        std::pair{http::verb::head, "/cases/C-7"}}) {
    const auto plan = pipeline.plan(head(method, target));
    BOOST_TEST((plan.destination == Destination::kStaticFile), target);
    BOOST_TEST((plan.body.kind == Kind::kNone), target);
  }
}

BOOST_AUTO_TEST_CASE(a_streamed_body_is_refused_before_it_is_read_without_the_right_token) {
  TestServer server;
  int imports = 0;
  api::RequestPipeline pipeline(api::pipeline_services(server.server().context()),
                                test_router(imports));
  const auto agent = server.token_for("agent.li", "agent");
  const auto send_upload = [&](const std::string& token) {
    api::Request request;
    request.method(http::verb::post);
    request.target("/v1/imports");
    request.version(11);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    auto body = std::make_shared<UntouchedBody>();
    int status = 0;
    pipeline.handle_streamed(std::move(request), body, [&status](api::Response response) {
      status = static_cast<int>(response.result_int());
    });
    BOOST_TEST(body->reads == 0);
    return status;
  };
  BOOST_TEST(send_upload("") == 401);
  BOOST_TEST(send_upload(agent) == 403);
  BOOST_TEST(imports == 0);
  BOOST_TEST(send_upload(server.admin_token()) == 202);
  BOOST_TEST(imports == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
