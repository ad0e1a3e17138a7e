#include "storage/attachment_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace redress::storage {
namespace fs = std::filesystem;

namespace {

Error file_error(const std::string& what, int error_number) {
  const auto code = error_number == ENOSPC || error_number == EDQUOT ? ErrorCode::kStorageFull
                                                                     : ErrorCode::kStorageIo;
  return Error(code, what + ": " + std::strerror(error_number));
}

// fsync a directory, so that a rename or a creation inside it survives a crash.
bool sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

Instant modified_at(const fs::directory_entry& entry, std::error_code& ec) {
  const auto written = entry.last_write_time(ec);
  return std::chrono::time_point_cast<Millis>(std::chrono::file_clock::to_sys(written));
}

constexpr const char* kAttachmentColumns =
    "id, case_id, sha256, file_name, content_type, size, uploaded_by, uploaded_at, width, height, "
    "thumbnail_sha256, thumbnail_size";

Attachment attachment_from_row(const Statement& s) {
  Attachment a;
  a.id = s.column_text(0);
  a.case_id = s.column_text(1);
  a.sha256 = s.column_text(2);
  a.file_name = s.column_text(3);
  a.content_type = s.column_text(4);
  a.size = s.column_int(5);
  a.uploaded_by = s.column_text(6);
  a.uploaded_at = from_millis(s.column_int(7));
  a.width = s.column_optional_int(8);
  a.height = s.column_optional_int(9);
  a.thumbnail_sha256 = s.column_is_null(10) ? std::string() : s.column_text(10);
  a.thumbnail_size = s.column_optional_int(11).value_or(0);
  return a;
}

// Every content file the rows name: attachments and their thumbnails.
constexpr const char* kReferencedContentSql =
    "SELECT sha256 FROM attachments UNION "
    "SELECT thumbnail_sha256 FROM attachments WHERE thumbnail_sha256 IS NOT NULL";

std::string new_attachment_id() {
  std::array<unsigned char, 10> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("the random number generator failed");
  }
  return "att_" + to_hex(random.data(), random.size());
}

}  // namespace

// --- ContentUpload -----------------------------------------------------------------------------

struct ContentUpload::Digest {
  Digest() : context(EVP_MD_CTX_new()) {
    if (!context || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) {
      EVP_MD_CTX_free(context);
      throw std::runtime_error("SHA-256 is unavailable");
    }
  }
  ~Digest() { EVP_MD_CTX_free(context); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  EVP_MD_CTX* context;
};

ContentUpload::ContentUpload(ContentFiles& files, std::string temp_path, int fd)
    : files_(files),
      temp_path_(std::move(temp_path)),
      fd_(fd),
      digest_(std::make_unique<Digest>()) {}

ContentUpload::~ContentUpload() {
  if (fd_ >= 0) ::close(fd_);
  if (!published_) ::unlink(temp_path_.c_str());
}

Status ContentUpload::write(std::string_view data) {
  if (published_ || fd_ < 0) return Error::invalid_state("the upload is already published");
  if (head_.size() < kHeadBytes) {
    head_.append(data.substr(0, kHeadBytes - head_.size()));
  }
  if (EVP_DigestUpdate(digest_->context, data.data(), data.size()) != 1) {
    return Error::storage_error("SHA-256 failed");
  }
  while (!data.empty()) {
    const auto written = ::write(fd_, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return file_error("writing " + temp_path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
    size_ += written;
  }
  return Status::Ok();
}

Result<std::string> ContentUpload::read_back() const {
  std::string bytes(static_cast<size_t>(size_), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const auto got =
        ::pread(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return file_error("reading back " + temp_path_, got < 0 ? errno : EIO);
    done += static_cast<size_t>(got);
  }
  return bytes;
}

Result<StoredContent> ContentUpload::publish() {
  if (published_ || fd_ < 0) return Error::invalid_state("the upload is already published");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(digest_->context, digest.data(), &length) != 1) {
    return Error::storage_error("SHA-256 failed");
  }
  if (::fsync(fd_) != 0) return file_error("fsync " + temp_path_, errno);
  ::close(fd_);
  fd_ = -1;
  auto published = files_.publish_file(temp_path_, to_hex(digest.data(), length), size_);
  if (published.ok()) published_ = true;
  return published;
}

// --- ContentFiles ------------------------------------------------------------------------------

ContentFiles::ContentFiles(std::string directory) : directory_(std::move(directory)) {}

std::string ContentFiles::directory_for_database(const std::string& database_path) {
  return database_path + ".attachments";
}

std::string ContentFiles::path_of(const std::string& sha256) const {
  return directory_ + "/" + sha256.substr(0, 2) + "/" + sha256;
}

bool ContentFiles::is_sha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::unique_ptr<ContentUpload>> ContentFiles::begin_upload() {
  std::error_code ec;
  fs::create_directories(directory_ + "/tmp", ec);
  if (ec)
    return Error(ErrorCode::kStorageIo, "cannot create " + directory_ + "/tmp: " + ec.message());
  std::string path = directory_ + "/tmp/upload-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return file_error("creating a temporary file in " + directory_ + "/tmp", errno);
  return std::unique_ptr<ContentUpload>(new ContentUpload(*this, std::move(path), fd));
}

Result<StoredContent> ContentFiles::put(std::string_view bytes) {
  auto upload = begin_upload();
  if (!upload.ok()) return upload.error();
  if (auto written = upload.value()->write(bytes); !written.ok()) return written.error();
  return upload.value()->publish();
}

Result<StoredContent> ContentFiles::publish_file(const std::string& temp_path,
                                                 const std::string& sha256, std::int64_t size) {
  const std::string folder = directory_ + "/" + sha256.substr(0, 2);
  std::error_code ec;
  const bool new_folder = fs::create_directories(folder, ec);
  if (ec) return Error(ErrorCode::kStorageIo, "cannot create " + folder + ": " + ec.message());
  if (new_folder && !sync_directory(directory_)) {
    return file_error("fsync " + directory_, errno);
  }
  {
    // The same content published again replaces an identical file; its fresh modification time
    // keeps it from collection until its row has had time to commit.
    MutexLock lock(publish_mutex_);
    if (::rename(temp_path.c_str(), path_of(sha256).c_str()) != 0) {
      return file_error("renaming " + temp_path + " to " + path_of(sha256), errno);
    }
  }
  if (!sync_directory(folder)) return file_error("fsync " + folder, errno);
  return StoredContent{sha256, size};
}

Result<std::optional<std::string>> ContentFiles::read(const std::string& sha256) const {
  if (!is_sha256(sha256)) return std::optional<std::string>();
  const int fd = ::open(path_of(sha256).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return file_error("opening " + path_of(sha256), errno);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return file_error("stat " + path_of(sha256), error);
  }
  std::string bytes(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const auto got = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const int error = got < 0 ? errno : EIO;
      ::close(fd);
      return file_error("reading " + path_of(sha256), error);
    }
    done += static_cast<size_t>(got);
  }
  ::close(fd);
  return std::optional<std::string>(std::move(bytes));
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest.data(), length);
}

std::optional<std::string> sha256_of_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  bool ok = context && EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1;
  std::array<char, 64 * 1024> buffer{};
  while (ok) {
    const auto got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) ok = false;
    if (got <= 0) break;
    ok = EVP_DigestUpdate(context, buffer.data(), static_cast<size_t>(got)) == 1;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  ok = ok && EVP_DigestFinal_ex(context, digest.data(), &length) == 1;
  EVP_MD_CTX_free(context);
  ::close(fd);
  if (!ok) return std::nullopt;
  return to_hex(digest.data(), length);
}

ContentCheck ContentFiles::check(const std::string& sha256) const {
  std::error_code ec;
  if (!is_sha256(sha256) || !fs::is_regular_file(path_of(sha256), ec)) {
    return ContentCheck::kMissing;
  }
  const auto actual = sha256_of_file(path_of(sha256));
  if (!actual) return ContentCheck::kMissing;
  return *actual == sha256 ? ContentCheck::kOk : ContentCheck::kCorrupt;
}

Result<ContentGcReport> ContentFiles::collect_garbage(const std::set<std::string>& referenced,
                                                      Instant older_than) {
  ContentGcReport report;
  std::error_code ec;
  if (!fs::is_directory(directory_, ec)) return report;
  for (fs::directory_iterator folder(directory_, ec), end; !ec && folder != end;
       folder.increment(ec)) {
    if (!folder->is_directory(ec)) continue;
    const bool temporary = folder->path().filename() == "tmp";
    for (fs::directory_iterator file(folder->path(), ec), files_end; !ec && file != files_end;
         file.increment(ec)) {
      const auto name = file->path().filename().string();
      if (!temporary && (!is_sha256(name) || referenced.count(name) != 0)) continue;
      MutexLock lock(publish_mutex_);
      // Stat afresh under the lock: the entry's cached times may predate a new publication.
      std::error_code file_ec;
      const fs::directory_entry current(file->path(), file_ec);
      if (file_ec) continue;
      const auto size = current.file_size(file_ec);
      if (file_ec) continue;  // gone already
      const Instant written = modified_at(current, file_ec);
      if (file_ec) continue;
      if (written >= older_than) {
        ++report.kept_recent;
        continue;
      }
      if (!fs::remove(current.path(), file_ec) || file_ec) continue;
      if (temporary) {
        ++report.removed_temporary;
      } else {
        ++report.removed_files;
        report.removed_bytes += static_cast<std::int64_t>(size);
      }
    }
    ec.clear();
  }
  if (ec) return Error(ErrorCode::kStorageIo, "listing " + directory_ + ": " + ec.message());
  return report;
}

// --- AttachmentStore ---------------------------------------------------------------------------

void AttachmentStore::attach(Attachment attachment, Actor actor, Instant now,
                             std::function<void(Result<AttachOutcome>)> done) {
  auto work = [this, attachment = std::move(attachment), actor = std::move(actor),
               now](WriteContext& context) mutable -> Result<AttachOutcome> {
    {
      auto exists = context.statement("SELECT 1 FROM cases WHERE id = ?");
      exists->bind(1, attachment.case_id);
      if (!exists->step()) return Error::not_found("there is no case " + attachment.case_id);
    }
    {
      auto same = context.statement(std::string("SELECT ") + kAttachmentColumns +
                                    " FROM attachments WHERE case_id = ? AND sha256 = ?");
      same->bind(1, attachment.case_id).bind(2, attachment.sha256);
      if (same->step()) return AttachOutcome{attachment_from_row(*same), true, std::nullopt};
    }
    attachment.id = new_attachment_id();
    attachment.uploaded_by = actor.id;
    attachment.uploaded_at = now;
    CaseCommand command;
    command.case_id = attachment.case_id;
    command.command.body =
        AttachEvidence{attachment.id, attachment.file_name, attachment.content_type,
                       attachment.size, attachment.sha256};
    // Checked again here, on the writer: the case may have changed hands since the route read it.
    command.scope = ReadScope::of(actor);
    command.actor = std::move(actor);
    command.now = now;
    auto outcome = store_.run_command(context, command);
    if (!outcome.ok()) return outcome.error();
    if (outcome.value().accepted()) {
      auto insert = context.statement(
          "INSERT INTO attachments (id, case_id, sha256, file_name, content_type, size, "
          "uploaded_by, uploaded_at, width, height, thumbnail_sha256, thumbnail_size) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      insert->bind(1, attachment.id)
          .bind(2, attachment.case_id)
          .bind(3, attachment.sha256)
          .bind(4, attachment.file_name)
          .bind(5, attachment.content_type)
          .bind(6, attachment.size)
          .bind(7, attachment.uploaded_by)
          .bind(8, to_millis(attachment.uploaded_at))
          .bind_or_null(9, attachment.width)
          .bind_or_null(10, attachment.height)
          .bind_or_null(11, attachment.thumbnail_sha256)
          .bind_or_null(12, attachment.thumbnail_sha256.empty()
                                ? std::nullopt
                                : std::optional<std::int64_t>(attachment.thumbnail_size));
      insert->run();
    }
    return AttachOutcome{std::move(attachment), false, std::move(outcome.value())};
  };
  store_.write<AttachOutcome>(std::move(work), std::move(done));
}

Result<std::vector<Attachment>> AttachmentStore::list(const std::string& case_id) const {
  return store_.read<std::vector<Attachment>>([&](ReadContext& context) {
    auto s = context.statement(std::string("SELECT ") + kAttachmentColumns +
                               " FROM attachments WHERE case_id = ? ORDER BY uploaded_at, id");
    s->bind(1, case_id);
    std::vector<Attachment> out;
    while (s->step()) out.push_back(attachment_from_row(*s));
    return out;
  });
}

Result<std::optional<Attachment>> AttachmentStore::get(const std::string& case_id,
                                                       const std::string& attachment_id) const {
  return store_.read<std::optional<Attachment>>([&](ReadContext& context) {
    auto s = context.statement(std::string("SELECT ") + kAttachmentColumns +
                               " FROM attachments WHERE case_id = ? AND id = ?");
    s->bind(1, case_id).bind(2, attachment_id);
    std::optional<Attachment> out;
    if (s->step()) out = attachment_from_row(*s);
    return out;
  });
}

std::set<std::string> referenced_content(SqliteDb& db) {
  std::set<std::string> names;
  Statement s(db, kReferencedContentSql);
  while (s.step()) names.insert(s.column_text(0));
  return names;
}

Result<ContentGcReport> AttachmentStore::collect_garbage(Instant now, std::chrono::seconds grace) {
  // The names are read first: a file published after this read is younger than the grace.
  auto referenced = store_.read<std::set<std::string>>([](ReadContext& context) {
    std::set<std::string> names;
    auto s = context.statement(kReferencedContentSql);
    while (s->step()) names.insert(s->column_text(0));
    return names;
  });
  if (!referenced.ok()) return referenced.error();
  return files_.collect_garbage(referenced.value(), now - grace);
}

}  // namespace redress::storage
