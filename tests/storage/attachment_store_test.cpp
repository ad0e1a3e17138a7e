// Evidence files and rows on real files: content-addressed, deduplicated, published before the
// row commits, collected when no row names them, copied by backup and checked by verify.
#include <filesystem>
#include <fstream>
#include <future>

#include "storage/attachment_store.h"
#include "storage/backup.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

namespace fs = std::filesystem;

// sha256("abc"), the FIPS 180-2 example.
constexpr const char* kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

const std::string kPdfBytes = "%PDF-1.4\n% evidence of a broken parcel\n%%EOF\n";

StoredContent upload_in_chunks(ContentFiles& files, const std::string& bytes, size_t chunk) {
  auto upload = files.begin_upload();
  BOOST_REQUIRE(upload.ok());
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    BOOST_REQUIRE(upload.value()->write(std::string_view(bytes).substr(at, chunk)).ok());
  }
  auto published = upload.value()->publish();
  BOOST_REQUIRE(published.ok());
  return published.value();
}

size_t files_under(const fs::path& folder) {
  size_t count = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++count;
  }
  return count;
}

void age_file(const std::string& path, std::chrono::hours by) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}

Instant real_now() {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

Result<AttachOutcome> attach_now(AttachmentStore& attachments, Attachment attachment,
                                 const Actor& actor, Instant now) {
  std::promise<Result<AttachOutcome>> done;
  auto answer = done.get_future();
  attachments.attach(std::move(attachment), actor, now,
                     [&](Result<AttachOutcome> r) { done.set_value(std::move(r)); });
  return answer.get();
}

Attachment pdf_evidence(const std::string& case_id, const StoredContent& content) {
  Attachment a;
  a.case_id = case_id;
  a.sha256 = content.sha256;
  a.size = content.size;
  a.file_name = "invoice.pdf";
  a.content_type = "application/pdf";
  return a;
}

bool verify_has(const VerifyReport& report, const std::string& code) {
  for (const auto& p : report.problems) {
    if (p.code == code) return true;
  }
  return false;
}

}  // namespace

// Outside the anonymous namespace: Boost.Test derives each test case from it.
// A store with one complaint, its content files and its attachments. `store` may be reset (to
// verify or back up a closed database); `attachments` is then no longer used.
struct EvidenceStoreFixture {
  TempDir dir;
  std::string path = options_for(dir).path;
  std::unique_ptr<CaseStore> store = open_store(options_for(dir));
  ContentFiles files{ContentFiles::directory_for_database(path)};
  AttachmentStore attachments{*store, files};
  Instant now = monday_morning();
  std::string case_id = accept(*store, create_complaint(now)).snapshot.id;

  Result<AttachOutcome> attach_pdf(const StoredContent& content, const Actor& actor = agent()) {
    return attach_now(attachments, pdf_evidence(case_id, content), actor, now);
  }
};

BOOST_AUTO_TEST_SUITE(attachment_store)

BOOST_AUTO_TEST_CASE(an_upload_is_named_by_its_sha256_and_leaves_no_temporary_file) {
  TempDir dir;
  ContentFiles files(dir.file("db.attachments"));
  const auto stored = upload_in_chunks(files, "abc", 1);
  BOOST_TEST(stored.sha256 == kAbcSha256);
  BOOST_TEST(stored.size == 3);
  BOOST_TEST(files.path_of(stored.sha256) == dir.file("db.attachments") + "/ba/" + kAbcSha256);
  BOOST_TEST(fs::is_regular_file(files.path_of(stored.sha256)));
  BOOST_TEST(files_under(dir.file("db.attachments/tmp")) == 0u);
  BOOST_TEST((files.check(stored.sha256) == ContentCheck::kOk));
  BOOST_TEST(sha256_hex("abc") == kAbcSha256);
}

BOOST_AUTO_TEST_CASE(the_same_content_twice_is_one_file) {
  TempDir dir;
  ContentFiles files(dir.file("db.attachments"));
  const auto first = upload_in_chunks(files, kPdfBytes, 7);
  const auto second = upload_in_chunks(files, kPdfBytes, 4096);
  BOOST_TEST(first.sha256 == second.sha256);
  BOOST_TEST(files_under(dir.file("db.attachments")) == 1u);
  auto read = files.read(first.sha256);
  BOOST_REQUIRE(read.ok());
  BOOST_REQUIRE(read.value().has_value());
  BOOST_TEST(*read.value() == kPdfBytes);
}

BOOST_AUTO_TEST_CASE(an_abandoned_upload_removes_its_temporary_file) {
  TempDir dir;
  ContentFiles files(dir.file("db.attachments"));
  {
    auto upload = files.begin_upload();
    BOOST_REQUIRE(upload.ok());
    BOOST_REQUIRE(upload.value()->write("half of a photo").ok());
    BOOST_TEST(files_under(dir.file("db.attachments/tmp")) == 1u);
    BOOST_TEST(upload.value()->head() == "half of a photo");
  }
  BOOST_TEST(files_under(dir.file("db.attachments")) == 0u);
}

BOOST_FIXTURE_TEST_CASE(attaching_writes_the_row_and_the_journal_entry_together,
                        EvidenceStoreFixture) {
  const auto& id = case_id;
  const auto content = upload_in_chunks(files, kPdfBytes, 5);

  auto first = attach_pdf(content);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(!first.value().already_attached);
  BOOST_REQUIRE(first.value().command.has_value());
  BOOST_REQUIRE(first.value().command->accepted());
  const auto& events = first.value().command->events;
  BOOST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events.front().event.type == "evidence.attached");
  BOOST_TEST(events.front().event.data.at("attachment_id") == first.value().attachment.id);
  BOOST_TEST(events.front().event.data.at("sha256") == content.sha256);
  BOOST_TEST(!events.front().event.data.contains("content"));

  // The same content again: the first attachment, nothing written.
  auto again = attach_pdf(content);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again.value().already_attached);
  BOOST_TEST(again.value().attachment.id == first.value().attachment.id);
  BOOST_TEST(!again.value().command.has_value());

  auto listed = attachments.list(id);
  BOOST_REQUIRE(listed.ok());
  BOOST_REQUIRE(listed.value().size() == 1u);
  BOOST_TEST(listed.value().front().file_name == "invoice.pdf");
  BOOST_TEST(listed.value().front().uploaded_by == agent().id);
  auto got = attachments.get(id, first.value().attachment.id);
  BOOST_REQUIRE(got.ok());
  BOOST_TEST(got.value().has_value());
  auto other_case = attachments.get("C-NONE", first.value().attachment.id);
  BOOST_REQUIRE(other_case.ok());
  BOOST_TEST(!other_case.value().has_value());

  auto loaded = store->load_case_with_journal(id);
  BOOST_REQUIRE(loaded.ok());
  BOOST_TEST(loaded.value()->events.back().event.type == "evidence.attached");
  store.reset();
  auto report = verify_database(path);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report.value().ok(), describe(report.value()));
  BOOST_TEST(report.value().attachments == 1);
}

BOOST_FIXTURE_TEST_CASE(a_refused_command_writes_no_row, EvidenceStoreFixture) {
  const auto& id = case_id;
  const auto content = upload_in_chunks(files, kPdfBytes, 5);
  Actor integration{"crm", Role::kIntegration, ""};
  auto refused = attach_pdf(content, integration);
  BOOST_REQUIRE(refused.ok());
  BOOST_REQUIRE(refused.value().command.has_value());
  BOOST_TEST(!refused.value().command->accepted());
  BOOST_TEST(attachments.list(id).value().empty());
  auto missing = attach_now(attachments, pdf_evidence("C-NONE", content), agent(), now);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.error().code == ErrorCode::kNotFound));
}

BOOST_FIXTURE_TEST_CASE(collection_removes_only_old_files_no_row_names, EvidenceStoreFixture) {
  const auto named = upload_in_chunks(files, kPdfBytes, 64);
  BOOST_REQUIRE(attach_pdf(named).ok());
  const auto old_orphan = upload_in_chunks(files, "%PDF-1.4 a refused upload", 64);
  const auto young_orphan = upload_in_chunks(files, "%PDF-1.4 on its way to the writer", 64);
  auto stale = files.begin_upload();
  BOOST_REQUIRE(stale.ok());
  BOOST_REQUIRE(stale.value()->write("interrupted").ok());
  // Everything old but the young orphan: age alone removes nothing a row names.
  age_file(files.path_of(named.sha256), std::chrono::hours(5));
  age_file(files.path_of(old_orphan.sha256), std::chrono::hours(5));
  for (const auto& entry : fs::directory_iterator(files.directory() + "/tmp")) {
    age_file(entry.path().string(), std::chrono::hours(5));
  }

  auto report = attachments.collect_garbage(real_now(), kContentGracePeriod);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report.value().removed_files == 1);
  BOOST_TEST(report.value().removed_temporary == 1);
  BOOST_TEST(report.value().kept_recent == 1);
  BOOST_TEST((files.check(named.sha256) == ContentCheck::kOk));
  BOOST_TEST((files.check(old_orphan.sha256) == ContentCheck::kMissing));
  BOOST_TEST((files.check(young_orphan.sha256) == ContentCheck::kOk));
  BOOST_TEST(files_under(files.directory() + "/tmp") == 0u);
}

BOOST_FIXTURE_TEST_CASE(verify_finds_a_missing_and_a_corrupt_file, EvidenceStoreFixture) {
  const auto first = upload_in_chunks(files, kPdfBytes, 64);
  const auto second = upload_in_chunks(files, "%PDF-1.7 the courier's receipt", 64);
  BOOST_REQUIRE(attach_pdf(first).ok());
  BOOST_REQUIRE(attach_pdf(second).ok());
  store.reset();
  std::ofstream(files.path_of(first.sha256), std::ios::app) << "tampered";
  fs::remove(files.path_of(second.sha256));
  auto report = verify_database(path);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(!report.value().ok());
  BOOST_TEST(verify_has(report.value(), "ATTACHMENT_CORRUPT"), describe(report.value()));
  BOOST_TEST(verify_has(report.value(), "ATTACHMENT_MISSING"), describe(report.value()));
  BOOST_TEST(report.value().problems_total == 2);
}

BOOST_FIXTURE_TEST_CASE(backup_copies_the_files_its_copy_names, EvidenceStoreFixture) {
  const auto content = upload_in_chunks(files, kPdfBytes, 64);
  upload_in_chunks(files, "%PDF-1.4 named by no row", 64);  // not copied
  BOOST_REQUIRE(attach_pdf(content).ok());
  store.reset();
  auto backup = backup_database(path, dir.file("copy.db"));
  BOOST_REQUIRE(backup.ok());
  BOOST_TEST(backup.value().attachment_files == 1);
  BOOST_TEST(backup.value().attachment_bytes == static_cast<std::int64_t>(kPdfBytes.size()));
  BOOST_TEST(backup.value().attachments_missing == 0);
  BOOST_TEST(files_under(dir.file("copy.db.attachments")) == 1u);
  auto copied = verify_database(dir.file("copy.db"));
  BOOST_REQUIRE(copied.ok());
  BOOST_TEST(copied.value().ok(), describe(copied.value()));

  // A file the database names but the source lost: the backup says so.
  fs::remove(files.path_of(content.sha256));
  auto second = backup_database(path, dir.file("second.db"));
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second.value().attachments_missing == 1);
  BOOST_TEST(second.value().attachment_files == 0);
}

BOOST_AUTO_TEST_SUITE_END()
