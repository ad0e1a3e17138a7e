// Evidence over HTTP: uploads of each allowed type streamed to the real server, refusals by
// content (an executable named .jpg), size and emptiness, who may upload and read, the headers the
// bytes are served with, the journal entry, deduplication and the collection of unnamed files.
#include <gd.h>

#include <filesystem>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "storage/attachment_store.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using boost::beast::http::verb;
namespace fs = std::filesystem;

enum class EvidenceImage { kPng, kJpeg, kWebp };

// A real image drawn with libgd: a red parcel on white, `width` x `height`.
std::string evidence_image(EvidenceImage format, int width = 640, int height = 480) {
  gdImagePtr image = gdImageCreateTrueColor(width, height);
  gdImageFilledRectangle(image, 0, 0, width - 1, height - 1,
                         gdImageColorAllocate(image, 255, 255, 255));
  gdImageFilledRectangle(image, width / 4, height / 4, width / 2, height / 2,
                         gdImageColorAllocate(image, 200, 30, 30));
  int size = 0;
  void* bytes = nullptr;
  switch (format) {
    case EvidenceImage::kPng:
      bytes = gdImagePngPtr(image, &size);
      break;
    case EvidenceImage::kJpeg:
      bytes = gdImageJpegPtr(image, &size, 85);
      break;
    case EvidenceImage::kWebp:
      bytes = gdImageWebpPtr(image, &size);
      break;
  }
  gdImageDestroy(image);
  BOOST_REQUIRE(bytes != nullptr);
  std::string out(static_cast<const char*>(bytes), static_cast<size_t>(size));
  gdFree(bytes);
  return out;
}

const std::string kEvidencePdf =
    "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

// What a Windows program looks like from the front: "MZ", the DOS stub, the PE header.
std::string windows_program() {
  std::string bytes = "MZ";
  bytes.resize(512, '\0');
  bytes.replace(128, 4, std::string("PE\0\0", 4));
  return bytes;
}

struct EvidenceFixture {
  TestServer server;
  std::string agent;
  std::string integration;
  std::string case_id;

  explicit EvidenceFixture(api::ServerConfig config = {}) : server(std::move(config)) {
    agent = server.token_for("agent.evidence", "agent");
    integration = server.token_for("crm-evidence", "integration", "");
    nlohmann::json complaint = {
        {"workflow_id", "complaint"},
        {"customer", {{"id", "cust-ev"}, {"segment", "regular"}}},
        {"order",
         {{"id", fresh_order_id("TB-EV")}, {"paid", {{"amount", 12900}, {"currency", "CNY"}}}}},
        {"team", "after_sales"},
        {"fields", {{"summary", "the parcel arrived crushed"}, {"category", "quality"}}}};
    auto created = server.http().post("/v1/cases", complaint, agent);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    case_id = created.json().at("case").at("id").get<std::string>();
  }

  std::string path(const std::string& tail = "") const {
    return "/v1/cases/" + case_id + "/attachments" + tail;
  }

  HttpResult upload(const std::string& bytes, const std::string& content_type,
                    const std::string& query = "", const std::string& token = "",
                    std::map<std::string, std::string> headers = {}) {
    headers["Content-Type"] = content_type;
    return server.http().request(verb::post, path(query), bytes, token.empty() ? agent : token,
                                 headers);
  }

  std::string content_dir() const {
    return storage::ContentFiles::directory_for_database(server.config().db_path);
  }
};

std::string refusal_reason(const HttpResult& result) {
  const auto body = result.json();
  if (!body.contains("errors") || body.at("errors").empty()) return "";
  return body.at("errors")[0].at("params").value("reason", "");
}

size_t files_in(const std::string& folder) {
  size_t count = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++count;
  }
  return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(evidence_api)

BOOST_AUTO_TEST_CASE(each_allowed_type_is_attached_listed_journaled_and_served_back) {
  EvidenceFixture f;
  struct Sample {
    std::string bytes;
    std::string type;
    std::string name;
  };
  const std::vector<Sample> samples = {
      {evidence_image(EvidenceImage::kPng), "image/png", "parcel.png"},
      {evidence_image(EvidenceImage::kJpeg), "image/jpeg", "box.jpg"},
      {evidence_image(EvidenceImage::kWebp), "image/webp", "chat.webp"},
      {kEvidencePdf, "application/pdf", "invoice.pdf"},
  };
  std::vector<std::string> ids;
  for (const auto& sample : samples) {
    auto made = f.upload(sample.bytes, sample.type, "?filename=" + sample.name);
    BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
    const auto body = made.json();
    BOOST_TEST(body.at("content_type") == sample.type);
    BOOST_TEST(body.at("file_name") == sample.name);
    BOOST_TEST(body.at("size") == sample.bytes.size());
    BOOST_TEST(body.at("sha256") == storage::sha256_hex(sample.bytes));
    BOOST_TEST(body.at("uploaded_by") == "agent.evidence");
    BOOST_TEST(made.header("location") == body.at("content_url").get<std::string>());
    ids.push_back(body.at("id").get<std::string>());

    auto content = f.server.http().get(body.at("content_url").get<std::string>(), f.agent);
    BOOST_REQUIRE(content.status == 200);
    BOOST_TEST(content.body == sample.bytes);
    BOOST_TEST(content.header("content-type") == sample.type);
    BOOST_TEST(content.header("content-length") == std::to_string(sample.bytes.size()));
    BOOST_TEST(content.header("x-content-type-options") == "nosniff");
    BOOST_TEST(content.header("content-security-policy") == "sandbox");
    BOOST_TEST(content.header("cache-control").find("private") == 0u);
    BOOST_TEST(content.header("content-disposition").find("filename*=UTF-8''" + sample.name) !=
               std::string::npos);

    if (sample.type == "application/pdf") {
      BOOST_TEST(body.at("thumbnail_url").is_null());
      BOOST_TEST(content.header("content-disposition").find("attachment;") == 0u);
      auto none = f.server.http().get(f.path("/" + ids.back() + "/thumbnail"), f.agent);
      BOOST_TEST(none.status == 404);
    } else {
      BOOST_TEST(body.at("width") == 640);
      BOOST_TEST(body.at("height") == 480);
      auto thumbnail = f.server.http().get(body.at("thumbnail_url").get<std::string>(), f.agent);
      BOOST_REQUIRE(thumbnail.status == 200);
      BOOST_TEST(thumbnail.header("content-type") == "image/jpeg");
      BOOST_TEST(thumbnail.header("x-content-type-options") == "nosniff");
      gdImagePtr small =
          gdImageCreateFromJpegPtr(static_cast<int>(thumbnail.body.size()), thumbnail.body.data());
      BOOST_REQUIRE(small != nullptr);
      BOOST_TEST(gdImageSX(small) == 320);
      BOOST_TEST(gdImageSY(small) == 240);
      gdImageDestroy(small);
    }
  }

  auto listed = f.server.http().get(f.path(), f.integration);  // readers include integrations
  BOOST_REQUIRE(listed.status == 200);
  BOOST_TEST(listed.json().at("attachments").size() == 4u);

  auto journal = f.server.http().get("/v1/cases/" + f.case_id + "/events", f.agent);
  BOOST_REQUIRE(journal.status == 200);
  std::vector<std::string> attached;
  const auto entries = journal.json();  // kept: the loop reads into it
  for (const auto& e : entries.at("events")) {
    if (e.at("type") == "evidence.attached") {
      attached.push_back(e.at("data").at("attachment_id").get<std::string>());
      BOOST_TEST(!e.at("data").contains("content"));
    }
  }
  BOOST_TEST_REQUIRE(attached.size() == ids.size());
  for (size_t i = 0; i < ids.size(); ++i) BOOST_TEST(attached[i] == ids[i]);

  // An ETag revalidation costs no bytes.
  auto revalidated = f.server.http().request(
      verb::get, f.path("/" + ids.front()), "", f.agent,
      {{"If-None-Match", "\"" + storage::sha256_hex(samples.front().bytes) + "\""}});
  BOOST_TEST(revalidated.status == 304);
  BOOST_TEST(revalidated.body.empty());
}

BOOST_AUTO_TEST_CASE(an_executable_named_jpg_is_refused_by_its_content) {
  EvidenceFixture f;
  auto windows = f.upload(windows_program(), "image/jpeg", "?filename=photo.jpg");
  BOOST_TEST(windows.status == 415);
  BOOST_TEST(problem_code(windows) == "ATTACHMENT_TYPE_REFUSED");
  BOOST_TEST(refusal_reason(windows) == "executable");
  BOOST_TEST(windows.json().at("detail").get<std::string>().find("Windows executable") !=
             std::string::npos);

  std::string elf =
      "\x7f"
      "ELF\x02\x01\x01";
  elf.resize(256, '\0');
  auto linux_program = f.upload(elf, "image/png", "?filename=screenshot.png");
  BOOST_TEST(linux_program.status == 415);
  BOOST_TEST(refusal_reason(linux_program) == "executable");

  auto script = f.upload("#!/bin/sh\nrm -rf /\n", "application/pdf", "?filename=invoice.pdf");
  BOOST_TEST(refusal_reason(script) == "executable");

  auto text = f.upload("just some words, not a picture", "image/jpeg");
  BOOST_TEST(text.status == 415);
  BOOST_TEST(refusal_reason(text) == "unknown_content");

  auto mismatch = f.upload(evidence_image(EvidenceImage::kPng), "image/jpeg");
  BOOST_TEST(mismatch.status == 415);
  BOOST_TEST(refusal_reason(mismatch) == "type_mismatch");
  BOOST_TEST(mismatch.json().at("errors")[0].at("params").at("detected") == "image/png");

  auto declared = f.upload(kEvidencePdf, "application/x-msdownload");
  BOOST_TEST(declared.status == 415);
  BOOST_TEST(refusal_reason(declared) == "declared_type_not_allowed");

  // A PNG signature over a body that is no image.
  auto damaged = f.upload(std::string("\x89PNG\r\n\x1a\n", 8) + std::string(200, 'x'), "image/png");
  BOOST_TEST(damaged.status == 415);
  BOOST_TEST(refusal_reason(damaged) == "not_decodable");

  auto listed = f.server.http().get(f.path(), f.agent);
  BOOST_TEST(listed.json().at("attachments").empty());
  // No refused byte stays on disk, published or temporary.
  BOOST_TEST(eventually([&] { return files_in(f.content_dir()) == 0; }));
}

BOOST_AUTO_TEST_CASE(size_and_emptiness_are_bounded) {
  api::ServerConfig config;
  config.attachment_limit = 64 * 1024;
  EvidenceFixture f(config);
  std::string big = evidence_image(EvidenceImage::kPng);
  big.resize(100 * 1024, '\0');
  auto too_large = f.upload(big, "image/png");
  BOOST_TEST(too_large.status == 413);
  BOOST_TEST(problem_code(too_large) == "BODY_TOO_LARGE");

  auto empty = f.upload("", "image/png");
  BOOST_TEST(empty.status == 422);
  BOOST_TEST(refusal_reason(empty) == "empty_body");

  auto fits = f.upload(evidence_image(EvidenceImage::kPng, 64, 64), "image/png");
  BOOST_TEST(fits.status == 201, fits.body);
}

BOOST_AUTO_TEST_CASE(who_may_upload_and_read_and_which_case) {
  EvidenceFixture f;
  auto integration = f.upload(kEvidencePdf, "application/pdf", "", f.integration);
  BOOST_TEST(integration.status == 403);
  BOOST_TEST(problem_code(integration) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(f.server.http().get(f.path(), "").status == 401);

  auto nowhere =
      f.server.http().request(verb::post, "/v1/cases/C-NOWHERE/attachments", kEvidencePdf, f.agent,
                              {{"Content-Type", "application/pdf"}});
  BOOST_TEST(nowhere.status == 404);

  auto made =
      f.upload(kEvidencePdf, "application/pdf", "", "",
               {{"Content-Disposition", "attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf"}});
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  BOOST_TEST(made.json().at("file_name") == "\xE5\x8F\x91\xE7\xA5\xA8.pdf");  // 发票.pdf
  const auto id = made.json().at("id").get<std::string>();
  // Another case's path does not reach this case's evidence.
  auto other = f.server.http().post(
      "/v1/cases",
      {{"workflow_id", "complaint"},
       {"customer", {{"id", "cust-ev2"}, {"segment", "regular"}}},
       {"order",
        {{"id", fresh_order_id("TB-EV")}, {"paid", {{"amount", 100}, {"currency", "CNY"}}}}},
       {"team", "after_sales"},
       {"fields", {{"summary", "another"}, {"category", "quality"}}}},
      f.agent);
  BOOST_REQUIRE(other.status == 201);
  const auto other_id = other.json().at("case").at("id").get<std::string>();
  auto crossed = f.server.http().get("/v1/cases/" + other_id + "/attachments/" + id, f.agent);
  BOOST_TEST(crossed.status == 404);
  BOOST_TEST(f.server.http().get(f.path("/" + id), f.integration).status == 200);

  auto typo = f.upload(kEvidencePdf, "application/pdf", "?file_name=x.pdf");
  BOOST_TEST(typo.status == 400);
  BOOST_TEST(problem_code(typo) == "INVALID_QUERY");
}

BOOST_AUTO_TEST_CASE(the_same_content_twice_is_one_attachment_and_one_file) {
  EvidenceFixture f;
  const auto png = evidence_image(EvidenceImage::kPng);
  auto first = f.upload(png, "image/png", "?filename=a.png");
  auto second = f.upload(png, "image/png", "?filename=b.png");
  BOOST_REQUIRE(first.status == 201);
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.json().at("already_attached") == true);
  BOOST_TEST(second.json().at("id") == first.json().at("id"));
  BOOST_TEST(files_in(f.content_dir()) == 2u);  // the image and its thumbnail
}

// Evidence is read and added only by those who may see the case (storage/read_scope.h): to an
// agent of another team the case's evidence is as missing as the case, on every route.
BOOST_AUTO_TEST_CASE(evidence_of_a_case_out_of_scope_answers_404_on_every_route) {
  EvidenceFixture f;
  auto made = f.upload(evidence_image(EvidenceImage::kPng), "image/png", "?filename=crushed.png");
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  const auto attachment_id = made.json().at("id").get<std::string>();
  const auto billing_agent = f.server.token_for("agent.billing", "agent", "billing");
  const auto supervisor = f.server.token_for("sup.evidence", "supervisor", "billing");

  for (const auto& tail :
       {std::string(), "/" + attachment_id, "/" + attachment_id + "/thumbnail"}) {
    auto refused = f.server.http().get(f.path(tail), billing_agent);
    BOOST_TEST(refused.status == 404, tail << ": " << refused.body);
    BOOST_TEST(refused.body.find("crushed") == std::string::npos);
    BOOST_TEST(f.server.http().get(f.path(tail), supervisor).status == 200, tail);
  }
  auto upload = f.upload(kEvidencePdf, "application/pdf", "", billing_agent);
  BOOST_TEST(upload.status == 404, upload.body);
  auto listed = f.server.http().get(f.path(), f.agent);
  BOOST_REQUIRE(listed.status == 200);
  BOOST_TEST(listed.json().at("attachments").size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_background_loop_collects_files_no_row_names) {
  EvidenceFixture f;
  auto made = f.upload(kEvidencePdf, "application/pdf");
  BOOST_REQUIRE(made.status == 201);
  storage::ContentFiles files(f.content_dir());
  const auto orphan = files.put("%PDF-1.4 refused after publication");
  BOOST_REQUIRE(orphan.ok());
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(3);
  fs::last_write_time(files.path_of(orphan.value().sha256), old);
  fs::last_write_time(files.path_of(made.json().at("sha256").get<std::string>()), old);
  // Housekeeping runs on the server's clock; the collection judges age by the files' times.
  f.server.clock().advance(std::chrono::hours(2));
  f.server.server().wake_background();
  BOOST_TEST(eventually(
      [&] { return files.check(orphan.value().sha256) == storage::ContentCheck::kMissing; }));
  BOOST_TEST(
      (files.check(made.json().at("sha256").get<std::string>()) == storage::ContentCheck::kOk));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
