// /v1/imports: bulk imports of customer and order records from JSON Lines files.
//
// An upload is streamed to a spool file beside the database as it arrives (never held in memory;
// up to --import-limit bytes, 2 GiB by default) while its SHA-256 is computed; at its end the
// file is fsynced and renamed, a queued job is recorded, and the answer is 202 with the job and
// its Location. The ImportRunner (api/server/import_runner.h) then applies the file batch by
// batch; GET /v1/imports/{id} shows its progress and counts, /errors every rejected line.
//
// The spool writes run on the I/O thread (they land in the page cache, 64 KiB at a time); the
// fsync and the job's row run on the runner's thread, never on an I/O thread.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "api/http/json_body.h"
#include "api/http/json_time.h"
#include "api/routes/page_token.h"
#include "api/routes/routes.h"
#include "storage/await.h"

namespace redress::api {
namespace {

const std::vector<Role> kImporters = {Role::kManager, Role::kAdmin, Role::kIntegration};

const PageListing kImportListing{"imports", {PageKeyType::kInteger, PageKeyType::kString}, 20};

bool is_json_lines_media_type(std::string_view content_type) {
  std::string base(content_type.substr(0, content_type.find(';')));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == "application/x-ndjson" || base == "application/jsonl" ||
         base == "application/x-jsonlines";
}

std::string new_job_id() {
  unsigned char bytes[10];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "imp_";
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

nlohmann::json job_json(const storage::ImportJob& job) {
  const double fraction =
      job.bytes > 0 ? static_cast<double>(job.applied_bytes) / static_cast<double>(job.bytes) : 1.0;
  return {
      {"id", job.id},
      {"kind", storage::import_kind_name(job.kind)},
      {"state", job.state},
      {"bytes", job.bytes},
      {"sha256", job.sha256},
      {"created_by", job.created_by},
      {"created_at", format_rfc3339(job.created_at)},
      {"started_at", time_or_null(job.started_at)},
      {"finished_at", time_or_null(job.finished_at)},
      {"progress",
       {{"bytes_applied", job.applied_bytes}, {"fraction", std::round(fraction * 10000) / 10000}}},
      {"counts",
       {{"lines", job.counts.lines},
        {"created", job.counts.created},
        {"updated", job.counts.updated},
        {"unchanged", job.counts.unchanged},
        {"rejected", job.counts.rejected}}},
      {"failure", job.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.failure)},
      {"errors_url", "/v1/imports/" + job.id + "/errors"}};
}

// One upload being spooled: the file, its digest so far, and the request it answers.
class SpoolUpload : public std::enable_shared_from_this<SpoolUpload> {
 public:
  SpoolUpload(ServerContext& context, RequestPtr ctx, Responder respond,
              std::shared_ptr<BodyStream> body, storage::ImportKind kind)
      : context_(context),
        ctx_(std::move(ctx)),
        respond_(std::move(respond)),
        body_(std::move(body)),
        kind_(kind),
        digest_(EVP_MD_CTX_new()) {}

  ~SpoolUpload() {
    if (fd_ >= 0) ::close(fd_);
    if (!part_path_.empty()) ::unlink(part_path_.c_str());
    EVP_MD_CTX_free(digest_);
  }

  void start() {
    std::error_code ec;
    std::filesystem::create_directories(context_.import_spool_dir, ec);
    job_id_ = new_job_id();
    final_path_ =
        (std::filesystem::path(context_.import_spool_dir) / (job_id_ + ".jsonl")).string();
    part_path_ = final_path_ + ".part";
    fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0 || digest_ == nullptr || EVP_DigestInit_ex(digest_, EVP_sha256(), nullptr) != 1) {
      const std::string cause =
          "cannot create the spool file " + part_path_ + ": " + std::strerror(errno);
      part_path_.clear();
      return fail(ApiProblem::internal("the server cannot store the upload now", cause));
    }
    read_next();
  }

 private:
  void read_next() {
    body_->read_some(
        [self = shared_from_this()](BodyStream::Status status, std::string_view data, bool last) {
          self->on_chunk(status, data, last);
        });
  }

  void on_chunk(BodyStream::Status status, std::string_view data, bool last) {
    switch (status) {
      case BodyStream::Status::kOk:
        break;
      case BodyStream::Status::kTooLarge:
        return fail(ApiProblem::body_too_large("the upload exceeds this server's import limit of " +
                                               std::to_string(context_.config.import_limit) +
                                               " bytes; split the file"));
      case BodyStream::Status::kMalformed:
        return fail(ApiProblem::bad_request("the upload's chunked framing is broken"));
      case BodyStream::Status::kAborted:
        return;  // nobody to answer; the destructor removes the partial file
    }
    if (!write_all(data)) {
      return fail(ApiProblem::internal("the server cannot store the upload now",
                                       "writing " + part_path_ + ": " + std::strerror(errno)));
    }
    if (!last) return read_next();
    if (bytes_ == 0) {
      return fail(ApiProblem::bad_request(
          "the upload is empty: send the file's lines, one JSON object per line"));
    }
    // fsync and the job's row are blocking work: the runner's thread does them.
    context_.run_import_task([self = shared_from_this()] { self->commit(); });
  }

  bool write_all(std::string_view data) {
    if (EVP_DigestUpdate(digest_, data.data(), data.size()) != 1) return false;
    while (!data.empty()) {
      const auto written = ::write(fd_, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<size_t>(written));
      bytes_ += static_cast<std::uint64_t>(written);
    }
    return true;
  }

  // On the runner's thread: makes the file durable under its final name, then records the job.
  void commit() {
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(digest_, hash, &length) != 1) {
      return fail(ApiProblem::internal("the server cannot store the upload now", "SHA-256 failed"));
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string sha256;
    for (unsigned int i = 0; i < length; ++i) {
      sha256 += kHex[hash[i] >> 4];
      sha256 += kHex[hash[i] & 15];
    }
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return fail(ApiProblem::internal("the server cannot store the upload now",
                                       "fsync of " + part_path_ + ": " + std::strerror(errno)));
    }
    fd_ = -1;
    if (::rename(part_path_.c_str(), final_path_.c_str()) != 0) {
      return fail(ApiProblem::internal("the server cannot store the upload now",
                                       "rename of " + part_path_ + ": " + std::strerror(errno)));
    }
    part_path_.clear();
    // The rename is durable only once the folder is.
    if (const int dir = ::open(context_.import_spool_dir.c_str(), O_RDONLY | O_DIRECTORY);
        dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
    storage::NewImportJob job{
        job_id_, kind_, final_path_, sha256, static_cast<std::int64_t>(bytes_), ctx_->actor().id};
    auto created = storage::await_result<storage::ImportJob>([&](auto done) {
      context_.imports->create_job(std::move(job), ctx_->now, std::move(done));
    });
    if (!created.ok()) {
      ::unlink(final_path_.c_str());
      return fail(from_error(created.error()));
    }
    context_.on_import_queued();
    auto response = json_response(ctx_->request, http::status::accepted, job_json(created.value()));
    response.set(http::field::location, "/v1/imports/" + job_id_);
    respond_(std::move(response));
  }

  void fail(const ApiProblem& problem) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!part_path_.empty()) ::unlink(part_path_.c_str());
    part_path_.clear();
    respond_.problem(*ctx_, problem);
  }

  ServerContext& context_;
  RequestPtr ctx_;
  Responder respond_;
  std::shared_ptr<BodyStream> body_;
  storage::ImportKind kind_;
  EVP_MD_CTX* digest_;
  std::string job_id_;
  std::string final_path_;
  std::string part_path_;  // non-empty while the partial file exists
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
};

void start_upload(ServerContext& context, RequestPtr ctx, std::shared_ptr<BodyStream> body,
                  Responder respond, storage::ImportKind kind) {
  QueryReader q(*ctx);
  q.allow_only(std::span<const std::string_view>());
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  if (!is_json_lines_media_type(ctx->request[http::field::content_type])) {
    return respond.problem(
        *ctx, ApiProblem::unsupported_media_type(
                  "send the file as JSON Lines, one object per line, with Content-Type: "
                  "application/x-ndjson (or application/jsonl)"));
  }
  if (context.imports == nullptr) {
    return respond.problem(*ctx, ApiProblem::internal("imports are not available on this server",
                                                      "no ImportStore in the server context"));
  }
  std::make_shared<SpoolUpload>(context, std::move(ctx), std::move(respond), std::move(body), kind)
      ->start();
}

// An integration sees the jobs it sent, not other systems' (their rejected lines name customers
// and orders); managers and admins see every job.
std::string jobs_creator_filter(const RequestContext& ctx) {
  return ctx.actor().role == Role::kIntegration ? ctx.actor().id : std::string();
}

bool job_visible(const RequestContext& ctx, const storage::ImportJob& job) {
  const auto creator = jobs_creator_filter(ctx);
  return creator.empty() || job.created_by == creator;
}

std::optional<storage::ImportJob> job_or_404(ServerContext& context, const RequestContext& ctx,
                                             const Responder& respond) {
  const auto id = ctx.param("id");
  auto job = context.imports->get_job(id);
  if (!job.ok()) {
    respond.problem(ctx, from_error(job.error()));
    return std::nullopt;
  }
  if (!job.value() || !job_visible(ctx, *job.value())) {
    respond.problem(ctx, ApiProblem::not_found("import job '" + id + "' does not exist"));
    return std::nullopt;
  }
  return std::move(*job.value());
}

// GET /v1/imports/{id} (getImport)
void get_import(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only(std::span<const std::string_view>());
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto job = job_or_404(context, *ctx, respond);
  if (!job) return;
  respond.json(*ctx, http::status::ok, job_json(*job));
}

// GET /v1/imports/{id}/errors (listImportErrors): the rejected lines, in file order.
void list_import_errors(ServerContext& context, RequestPtr ctx, Responder respond) {
  static const PageListing listing{"import-errors", {PageKeyType::kInteger}, 100};
  QueryReader q(*ctx);
  q.allow_only({"page_size", "page_token"});
  const auto page = read_page(q, listing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto job = job_or_404(context, *ctx, respond);
  if (!job) return;
  const std::int64_t after = page.after ? std::get<std::int64_t>(page.after->front()) : 0;
  auto rows = context.imports->line_errors(job->id, after, page.rows_to_read());
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  const auto next = finish_page(rows.value(), page, listing,
                                [](const auto& row) { return PagePosition{row.id}; });
  nlohmann::json items = nlohmann::json::array();
  for (const auto& e : rows.value()) {
    items.push_back(
        {{"line", e.line},
         {"id", e.record_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.record_id)},
         {"pointer", e.pointer},
         {"reason", e.reason},
         {"detail", e.detail}});
  }
  respond.json(*ctx, http::status::ok,
               {{"errors", std::move(items)}, {"next_page_token", page_token_json(next)}});
}

// GET /v1/imports (listImports): the jobs, newest first.
void list_imports(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"page_size", "page_token"});
  const auto page = read_page(q, kImportListing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  std::optional<storage::ImportJob> after;
  if (page.after) {
    after.emplace();
    after->created_at = storage::from_millis(std::get<std::int64_t>((*page.after)[0]));
    after->id = std::get<std::string>((*page.after)[1]);
  }
  auto rows = context.imports->list_jobs(after, page.rows_to_read(), jobs_creator_filter(*ctx));
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  const auto next = finish_page(rows.value(), page, kImportListing, [](const auto& row) {
    return PagePosition{storage::to_millis(row.created_at), row.id};
  });
  nlohmann::json items = nlohmann::json::array();
  for (const auto& job : rows.value()) items.push_back(job_json(job));
  respond.json(*ctx, http::status::ok,
               {{"imports", std::move(items)}, {"next_page_token", page_token_json(next)}});
}

}  // namespace

void add_import_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  const auto upload = [&context](storage::ImportKind kind) -> StreamHandler {
    return [&context, kind](RequestPtr ctx, std::shared_ptr<BodyStream> body, Responder respond) {
      start_upload(context, std::move(ctx), std::move(body), std::move(respond), kind);
    };
  };
  RouteSpec customers{http::verb::post,
                      "/v1/imports/customers",
                      "importCustomers",
                      "import customer records from a JSON Lines file (a job)",
                      kImporters,
                      true,
                      {}};
  customers.body = BodyPolicy::streamed(context.config.import_limit);
  customers.stream_handler = upload(storage::ImportKind::kCustomers);
  router.add(std::move(customers));
  RouteSpec orders{http::verb::post,
                   "/v1/imports/orders",
                   "importOrders",
                   "import order records from a JSON Lines file (a job)",
                   kImporters,
                   true,
                   {}};
  orders.body = BodyPolicy::streamed(context.config.import_limit);
  orders.stream_handler = upload(storage::ImportKind::kOrders);
  router.add(std::move(orders));
  router.add({http::verb::get, "/v1/imports", "listImports", "list import jobs, newest first",
              kImporters, true, bind(list_imports)});
  router.add({http::verb::get, "/v1/imports/{id}", "getImport",
              "an import job's progress and counts", kImporters, true, bind(get_import)});
  router.add({http::verb::get, "/v1/imports/{id}/errors", "listImportErrors",
              "an import job's rejected lines, with their line numbers and reasons", kImporters,
              true, bind(list_import_errors)});
}

}  // namespace redress::api
