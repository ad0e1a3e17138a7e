// Evidence attached to cases: content files named by their SHA-256, and the rows that name them.
//
// ContentFiles keeps immutable files under one directory beside the database
// (`<database>.attachments/ab/abcdef…`, the first two hex digits as a fan-out folder). An upload
// is written as it arrives to a temporary file under `tmp/` while its SHA-256 is computed, then
// fsynced, renamed to its content address and the folder fsynced — all before the database row
// that names it commits. The same content uploaded twice is one file (the rename replaces an
// identical file). Files no row names are collected by AttachmentStore::collect_garbage, but only
// once they are older than a grace period, so a file published for a row that is still on its way
// to the writer is never collected under it; temporary files an interrupted upload left are
// collected after the same grace.
//
// AttachmentStore writes the row and the case's journal entry (the engine's AttachEvidence,
// `evidence.attached`) in one savepoint, so an attachment is listed in the journal exactly when
// its row exists.
//
// Thread-safety: ContentFiles and AttachmentStore may be used from any thread; a ContentUpload by
// one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/mutex.h"
#include "engine/result.h"
#include "engine/role.h"
#include "engine/time.h"
#include "storage/case_store.h"

namespace redress::storage {

// A file as published: its content address and length.
struct StoredContent {
  std::string sha256;  // lowercase hex
  std::int64_t size = 0;
};

// What a check of one content file found.
enum class ContentCheck { kOk, kMissing, kCorrupt };

struct ContentGcReport {
  std::int64_t removed_files = 0;  // content files no row named
  std::int64_t removed_bytes = 0;
  std::int64_t removed_temporary = 0;  // leftovers of interrupted uploads
  std::int64_t kept_recent = 0;        // unnamed, but younger than the grace period
};

class ContentFiles;

// One upload being written. Destroying it before publish() removes its temporary file.
class ContentUpload {
 public:
  ~ContentUpload();
  ContentUpload(const ContentUpload&) = delete;
  ContentUpload& operator=(const ContentUpload&) = delete;

  // Appends `data` to the temporary file and the digest. Errors: STORAGE_IO, STORAGE_FULL.
  Status write(std::string_view data);
  std::int64_t size() const { return size_; }
  // The first bytes written (up to kHeadBytes): what the content type is detected from.
  const std::string& head() const { return head_; }
  // The whole content as written so far, read back from the temporary file (decoding images).
  Result<std::string> read_back() const;
  // fsync, rename to the content address, fsync the folder. After it the upload is done.
  Result<StoredContent> publish();

  static constexpr size_t kHeadBytes = 64;

 private:
  friend class ContentFiles;
  ContentUpload(ContentFiles& files, std::string temp_path, int fd);

  ContentFiles& files_;
  std::string temp_path_;
  int fd_ = -1;
  struct Digest;
  std::unique_ptr<Digest> digest_;
  std::int64_t size_ = 0;
  std::string head_;
  bool published_ = false;
};

class ContentFiles {
 public:
  // `directory` is created (with its tmp/ folder) by the first upload; reading and checking
  // never create anything.
  explicit ContentFiles(std::string directory);

  // "<database path>.attachments": where a database's content files live.
  static std::string directory_for_database(const std::string& database_path);

  const std::string& directory() const { return directory_; }
  // "<directory>/ab/ab…" for a lowercase hex SHA-256.
  std::string path_of(const std::string& sha256) const;
  static bool is_sha256(std::string_view text);

  Result<std::unique_ptr<ContentUpload>> begin_upload();
  // Publishes `bytes` whole (thumbnails).
  Result<StoredContent> put(std::string_view bytes);
  // Reads a published file whole; nullopt when there is none.
  Result<std::optional<std::string>> read(const std::string& sha256) const;
  // Whether the file exists and hashes to its name.
  ContentCheck check(const std::string& sha256) const;

  // Removes content files whose SHA-256 is not in `referenced` and temporary files, each only
  // when last written before `older_than`.
  Result<ContentGcReport> collect_garbage(const std::set<std::string>& referenced,
                                          Instant older_than);

 private:
  friend class ContentUpload;
  Result<StoredContent> publish_file(const std::string& temp_path, const std::string& sha256,
                                     std::int64_t size);

  std::string directory_;
  // Publishing a file and collecting one exclude each other: a collection that looked at a
  // file's age must not remove a copy that was just published over it.
  Mutex publish_mutex_;
};

// The SHA-256 of `bytes`, lowercase hex.
std::string sha256_hex(std::string_view bytes);
// The SHA-256 of a file (lowercase hex), or nullopt when it cannot be read.
std::optional<std::string> sha256_of_file(const std::string& path);

struct Attachment {
  std::string id;
  std::string case_id;
  std::string sha256;
  std::string file_name;
  std::string content_type;
  std::int64_t size = 0;
  std::string uploaded_by;
  Instant uploaded_at{};
  std::optional<std::int64_t> width;  // images
  std::optional<std::int64_t> height;
  std::string thumbnail_sha256;  // "" when the attachment has no thumbnail (PDFs)
  std::int64_t thumbnail_size = 0;
};

struct AttachOutcome {
  Attachment attachment;
  // The case already had this content: the existing attachment, nothing was written.
  bool already_attached = false;
  // The command's outcome when one ran: a rejection (nothing written), or the journal entries.
  std::optional<CommandOutcome> command;
};

class AttachmentStore {
 public:
  AttachmentStore(CaseStore& store, ContentFiles& files) : store_(store), files_(files) {}

  // Writes the row and the case's `evidence.attached` entry in one savepoint. `attachment.id`
  // is allocated here. A second upload of the same content to the same case answers the first
  // attachment (already_attached). Errors: NOT_FOUND (no such case), storage errors.
  void attach(Attachment attachment, Actor actor, Instant now,
              std::function<void(Result<AttachOutcome>)> done);

  Result<std::vector<Attachment>> list(const std::string& case_id) const;
  Result<std::optional<Attachment>> get(const std::string& case_id,
                                        const std::string& attachment_id) const;

  // Removes content files no row names (see ContentFiles::collect_garbage).
  Result<ContentGcReport> collect_garbage(Instant now, std::chrono::seconds grace);

  ContentFiles& files() { return files_; }

 private:
  CaseStore& store_;
  ContentFiles& files_;
};

// Every content file a database's rows name (attachments and thumbnails), read from `db`.
std::set<std::string> referenced_content(SqliteDb& db);

// How long an unnamed content file or a temporary file is kept before it is collected.
inline constexpr std::chrono::seconds kContentGracePeriod{3600};

}  // namespace redress::storage
