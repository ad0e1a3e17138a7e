// /v1/cases/{id}/attachments: evidence (photos, screenshots, PDF invoices) uploaded as a raw
// body, listed, and served back with its thumbnail.
//
// An upload is streamed to a temporary file while its SHA-256 is computed (storage/
// attachment_store.h). Its type is what its magic bytes say (evidence_media.h), checked as soon
// as the first bytes arrive: an executable, an unknown type, or content that disagrees with the
// declared Content-Type is refused with 415 ATTACHMENT_TYPE_REFUSED before the rest is read. An
// image's pixel size is read from its header and bounded before it is decoded for its thumbnail.
// Then the file is published under its content address and the row and the journal entry commit
// together.
#include <algorithm>
#include <cctype>

#include "api/http/json_body.h"
#include "api/routes/case_api.h"
#include "api/routes/evidence_media.h"
#include "api/routes/routes.h"
#include "engine/utf8.h"

namespace redress::api {
namespace {

// Decoding an image takes about 4 bytes per pixel: 40 megapixels is 160 MB at most, and more
// than any phone photo or screenshot has.
constexpr std::int64_t kMaxEvidencePixels = 40'000'000;
constexpr size_t kMaxFileNameInput = 1024;  // bytes of a file name as sent, before sanitising

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "image/png" of "Image/PNG; charset=binary".
std::string media_type_of(std::string_view header) {
  auto base = header.substr(0, header.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  while (!base.empty() && base.front() == ' ') base.remove_prefix(1);
  return lower(base);
}

bool is_evidence_type(const std::string& type) {
  return std::any_of(std::begin(kEvidenceContentTypes), std::end(kEvidenceContentTypes),
                     [&](const char* allowed) { return type == allowed; });
}

std::string allowed_types_text() {
  return "image/jpeg, image/png, image/webp or application/pdf";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The file name of a Content-Disposition header: filename*=UTF-8''percent-encoded (RFC 6266)
// preferred over filename="…". Empty when there is none.
std::string disposition_file_name(std::string_view header) {
  const auto text = std::string(header);
  const auto lowered = lower(text);
  if (auto at = lowered.find("filename*="); at != std::string::npos) {
    auto value = text.substr(at + 10);
    value = value.substr(0, value.find(';'));
    const auto quote = value.find("''");
    if (quote != std::string::npos && lower(value.substr(0, quote)) == "utf-8") {
      std::string decoded;
      for (size_t i = quote + 2; i < value.size(); ++i) {
        if (value[i] == '%' && i + 2 < value.size() && hex_value(value[i + 1]) >= 0 &&
            hex_value(value[i + 2]) >= 0) {
          decoded.push_back(
              static_cast<char>(hex_value(value[i + 1]) * 16 + hex_value(value[i + 2])));
          i += 2;
        } else if (value[i] != ' ') {
          decoded.push_back(value[i]);
        }
      }
      return decoded;
    }
  }
  if (auto at = lowered.find("filename="); at != std::string::npos) {
    auto value = text.substr(at + 9);
    if (!value.empty() && value.front() == '"') {
      const auto end = value.find('"', 1);
      return value.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    }
    value = value.substr(0, value.find(';'));
    while (!value.empty() && value.back() == ' ') value.pop_back();
    return value;
  }
  return {};
}

// The file name as it may be stored and shown: its last path component, without control
// characters, trimmed, at most kMaxEvidenceNameLength code points; "evidence" when nothing
// remains. `name` must be valid UTF-8.
std::string sanitised_file_name(std::string_view name) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string out;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) continue;
    out.push_back(c);
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  size_t start = 0;
  while (start < out.size() && (out[start] == ' ' || out[start] == '.')) ++start;
  out.erase(0, start);
  out = utf8_truncate(out, static_cast<std::size_t>(kMaxEvidenceNameLength));
  return out.empty() ? std::string("evidence") : out;
}

// RFC 5987 value-chars: the rest is percent-encoded.
std::string rfc5987_encode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xf]);
    }
  }
  return out;
}

// The quoted ASCII fallback for old clients: anything else becomes '_'.
std::string ascii_file_name(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\' ? c : '_');
  }
  return out;
}

std::string attachment_path(const storage::Attachment& a) {
  return "/v1/cases/" + a.case_id + "/attachments/" + a.id;
}

nlohmann::json attachment_json(const storage::Attachment& a) {
  nlohmann::json j{{"id", a.id},
                   {"case_id", a.case_id},
                   {"file_name", a.file_name},
                   {"content_type", a.content_type},
                   {"size", a.size},
                   {"sha256", a.sha256},
                   {"uploaded_by", a.uploaded_by},
                   {"uploaded_at", format_rfc3339(a.uploaded_at)},
                   {"width", a.width ? nlohmann::json(*a.width) : nlohmann::json(nullptr)},
                   {"height", a.height ? nlohmann::json(*a.height) : nlohmann::json(nullptr)},
                   {"content_url", attachment_path(a)},
                   {"thumbnail_url", a.thumbnail_sha256.empty()
                                         ? nlohmann::json(nullptr)
                                         : nlohmann::json(attachment_path(a) + "/thumbnail")}};
  return j;
}

ApiProblem type_refused(std::string detail, std::string_view reason, nlohmann::json extra = {}) {
  ApiProblem problem{ErrorCode::kAttachmentTypeRefused, detail};
  problem.errors.push_back(
      {"/header/Content-Type", detail, ErrorCode::kAttachmentTypeRefused,
       problem_params(reason, extra.is_object() ? extra : nlohmann::json::object())});
  return problem;
}

// One upload in progress: read chunk by chunk on the connection's strand, written to its
// temporary file, checked, then published and committed.
class EvidenceUpload : public std::enable_shared_from_this<EvidenceUpload> {
 public:
  EvidenceUpload(ServerContext& context, RequestPtr ctx, std::shared_ptr<BodyStream> body,
                 Responder respond, std::unique_ptr<storage::ContentUpload> file,
                 std::string declared_type, std::string file_name)
      : context_(context),
        ctx_(std::move(ctx)),
        body_(std::move(body)),
        respond_(std::move(respond)),
        file_(std::move(file)),
        declared_type_(std::move(declared_type)),
        file_name_(std::move(file_name)) {}

  void read_next() {
    body_->read_some(
        [self = shared_from_this()](BodyStream::Status status, std::string_view data, bool last) {
          self->on_chunk(status, data, last);
        });
  }

 private:
  void on_chunk(BodyStream::Status status, std::string_view data, bool last) {
    switch (status) {
      case BodyStream::Status::kOk:
        break;
      case BodyStream::Status::kTooLarge:
        return refuse(ApiProblem::body_too_large("an attachment may be at most " +
                                                 std::to_string(context_.config.attachment_limit) +
                                                 " bytes (the server's --attachment-limit)"));
      case BodyStream::Status::kMalformed:
        return refuse(ApiProblem::bad_request("the chunked framing of the body is broken"));
      case BodyStream::Status::kAborted:
        return;  // nobody to answer; the temporary file goes with this upload
    }
    if (auto written = file_->write(data); !written.ok()) {
      return refuse(from_error(written.error()));
    }
    if (!detected_ && (file_->head().size() >= kMediaSniffBytes || last) && file_->size() > 0) {
      detected_ = detect_media(file_->head());
      if (auto problem = check_type(*detected_)) return refuse(*problem);
    }
    if (!last) return read_next();
    // Decoding for the thumbnail and the fsyncs block for up to hundreds of milliseconds: not on
    // this I/O thread, which serves other connections too.
    if (!context_.run_blocking([self = shared_from_this()] { self->finish(); })) {
      refuse(ApiProblem::overloaded(
          "the server is busy storing other attachments; send this one again in a moment", 1));
    }
  }

  std::optional<ApiProblem> check_type(const DetectedMedia& media) const {
    using Kind = DetectedMedia::Kind;
    if (media.kind == Kind::kExecutable) {
      return type_refused("the file is " + media.description +
                              "; programs are never accepted as evidence, whatever their name",
                          "executable", {{"detected", media.description}});
    }
    if (media.kind == Kind::kUnknown) {
      return type_refused("the content is not a JPEG, PNG or WebP image nor a PDF document",
                          "unknown_content", {{"allowed", allowed_types_text()}});
    }
    if (media.content_type != declared_type_) {
      return type_refused("the content is " + media.description + " (" + media.content_type +
                              "), but Content-Type says " + declared_type_,
                          "type_mismatch",
                          {{"declared", declared_type_}, {"detected", media.content_type}});
    }
    return std::nullopt;
  }

  void finish() {
    if (file_->size() == 0) {
      return refuse(ApiProblem::invalid_field(
          "the body is empty: send the file's bytes as the request body",
          {{"/body", "is empty", ErrorCode::kInvalidField, problem_params("empty_body")}}));
    }
    storage::Attachment attachment;
    attachment.case_id = ctx_->param("id");
    attachment.file_name = file_name_;
    attachment.content_type = detected_->content_type;
    attachment.size = file_->size();
    std::optional<Thumbnail> thumbnail;
    if (attachment.content_type != "application/pdf") {
      auto bytes = file_->read_back();
      if (!bytes.ok()) return refuse(from_error(bytes.error()));
      const auto dimensions = image_dimensions(bytes.value(), attachment.content_type);
      if (!dimensions || dimensions->width <= 0 || dimensions->height <= 0) {
        return refuse(type_refused("the image's header cannot be read: the file is damaged",
                                   "not_decodable"));
      }
      if (dimensions->width * dimensions->height > kMaxEvidencePixels) {
        return refuse(ApiProblem::invalid_field(
            "the image is " + std::to_string(dimensions->width) + " x " +
                std::to_string(dimensions->height) + " pixels; at most " +
                std::to_string(kMaxEvidencePixels / 1'000'000) + " megapixels are accepted",
            {{"/body", "has too many pixels", ErrorCode::kInvalidField,
              problem_params("too_many_pixels", {{"max_pixels", kMaxEvidencePixels}})}}));
      }
      attachment.width = dimensions->width;
      attachment.height = dimensions->height;
      thumbnail = make_thumbnail(bytes.value(), attachment.content_type);
      if (!thumbnail) {
        return refuse(
            type_refused("the image does not decode: the file is damaged", "not_decodable"));
      }
    }
    auto published = file_->publish();
    if (!published.ok()) return refuse(from_error(published.error()));
    attachment.sha256 = published.value().sha256;
    if (thumbnail) {
      auto stored = context_.attachments.files().put(thumbnail->jpeg);
      if (!stored.ok()) return refuse(from_error(stored.error()));
      attachment.thumbnail_sha256 = stored.value().sha256;
      attachment.thumbnail_size = stored.value().size;
    }
    auto& context = context_;
    context_.attachments.attach(
        std::move(attachment), ctx_->actor(), ctx_->now,
        [&context, ctx = ctx_, respond = respond_](Result<storage::AttachOutcome> result) {
          if (result.ok() && result.value().command && result.value().command->accepted()) {
            context.on_committed();  // on the writer thread, as for every command
          }
          context.run_on_io([ctx, respond, result = std::move(result)] {
            if (!result.ok()) return respond.problem(*ctx, from_error(result.error()));
            const auto& outcome = result.value();
            if (outcome.command && !outcome.command->accepted()) {
              return respond.problem(*ctx, from_rejection(*outcome.command->rejection));
            }
            auto body = attachment_json(outcome.attachment);
            body["already_attached"] = outcome.already_attached;
            auto response = json_response(
                ctx->request, outcome.already_attached ? http::status::ok : http::status::created,
                body);
            response.set(http::field::location, attachment_path(outcome.attachment));
            respond(std::move(response));
          });
        });
  }

  void refuse(const ApiProblem& problem) { respond_.problem(*ctx_, problem); }

  ServerContext& context_;
  RequestPtr ctx_;
  std::shared_ptr<BodyStream> body_;
  Responder respond_;
  std::unique_ptr<storage::ContentUpload> file_;
  std::string declared_type_;
  std::string file_name_;
  std::optional<DetectedMedia> detected_;
};

// POST /v1/cases/{id}/attachments (uploadAttachment)
void upload_attachment(ServerContext& context, RequestPtr ctx, std::shared_ptr<BodyStream> body,
                       Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"filename"});
  auto name = q.string("filename", kMaxFileNameInput);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  if (!name) {
    if (auto header = ctx->request.find(http::field::content_disposition);
        header != ctx->request.end()) {
      name = disposition_file_name(header->value());
      if (name->size() > kMaxFileNameInput || !is_valid_utf8(*name)) {
        return respond.problem(
            *ctx, ApiProblem::invalid_header(
                      "the file name in Content-Disposition must be valid UTF-8 of at most " +
                          std::to_string(kMaxFileNameInput) + " bytes",
                      {{"/header/Content-Disposition", "invalid file name",
                        ErrorCode::kInvalidField, problem_params("invalid_file_name")}}));
      }
    }
  }
  const auto declared = media_type_of(ctx->request[http::field::content_type]);
  if (!is_evidence_type(declared)) {
    return respond.problem(
        *ctx, type_refused("Content-Type " + (declared.empty() ? std::string("(none)") : declared) +
                               " is not accepted; evidence is sent as " + allowed_types_text(),
                           "declared_type_not_allowed",
                           {{"declared", declared}, {"allowed", allowed_types_text()}}));
  }
  if (!load_case_or_404(context, *ctx, respond)) return;
  auto file = context.attachments.files().begin_upload();
  if (!file.ok()) return respond.problem(*ctx, from_error(file.error()));
  auto upload = std::make_shared<EvidenceUpload>(context, ctx, std::move(body), std::move(respond),
                                                 std::move(file).value(), declared,
                                                 sanitised_file_name(name.value_or("")));
  upload->read_next();
}

// GET /v1/cases/{id}/attachments (listAttachments)
void list_attachments(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({});
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  if (!load_case_or_404(context, *ctx, respond)) return;
  auto listed = context.attachments.list(ctx->param("id"));
  if (!listed.ok()) return respond.problem(*ctx, from_error(listed.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& a : listed.value()) items.push_back(attachment_json(a));
  respond.json(*ctx, http::status::ok, {{"case_id", ctx->param("id")}, {"attachments", items}});
}

// The attachment named by the path, or an answered 404.
std::optional<storage::Attachment> attachment_or_404(ServerContext& context,
                                                     const RequestContext& ctx,
                                                     const Responder& respond) {
  QueryReader q(ctx);
  q.allow_only({});
  if (!q.ok()) {
    respond.problem(ctx, q.problem());
    return std::nullopt;
  }
  // The case first: evidence of a case the caller may not see is as missing as the case.
  if (!load_case_or_404(context, ctx, respond)) return std::nullopt;
  const auto id = ctx.param("id");
  const auto attachment_id = ctx.param("attachment_id");
  auto found = context.attachments.get(id, attachment_id);
  if (!found.ok()) {
    respond.problem(ctx, from_error(found.error()));
    return std::nullopt;
  }
  if (!found.value()) {
    // The case's existence is not revealed beyond what GET /v1/cases/{id} says to the same caller.
    respond.problem(ctx,
                    ApiProblem::not_found("case " + id + " has no attachment " + attachment_id));
    return std::nullopt;
  }
  return found.value();
}

// The file's bytes with headers that keep a browser from running or sniffing them.
void send_content(ServerContext& context, const RequestContext& ctx, const Responder& respond,
                  const std::string& sha256, const std::string& content_type,
                  const std::string& disposition, const std::string& file_name) {
  const auto etag = "\"" + sha256 + "\"";
  Response response{http::status::ok, ctx.request.version()};
  if (auto none_match = ctx.request.find(http::field::if_none_match);
      none_match != ctx.request.end() && none_match->value() == etag) {
    response.result(http::status::not_modified);
  } else {
    auto bytes = context.attachments.files().read(sha256);
    if (!bytes.ok()) return respond.problem(ctx, from_error(bytes.error()));
    if (!bytes.value()) {
      return respond.problem(
          ctx, ApiProblem::internal("the attachment's file is missing on the server; an "
                                    "administrator can restore it from a backup",
                                    "content file " + sha256 + " is missing"));
    }
    response.body() = std::move(*bytes.value());
    response.set(http::field::content_type, content_type);
    response.set(http::field::content_disposition,
                 disposition + "; filename=\"" + ascii_file_name(file_name) +
                     "\"; filename*=UTF-8''" + rfc5987_encode(file_name));
  }
  response.set(http::field::etag, etag);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Content-Security-Policy", "sandbox");
  // Content never changes under its address; only whoever holds the token may keep a copy.
  response.set(http::field::cache_control, "private, max-age=3600");
  response.keep_alive(ctx.request.keep_alive());
  response.prepare_payload();
  respond(std::move(response));
}

// GET /v1/cases/{id}/attachments/{attachment_id} (getAttachmentContent)
void get_attachment_content(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto attachment = attachment_or_404(context, *ctx, respond);
  if (!attachment) return;
  const bool image = attachment->content_type != "application/pdf";
  send_content(context, *ctx, respond, attachment->sha256, attachment->content_type,
               image ? "inline" : "attachment", attachment->file_name);
}

// GET /v1/cases/{id}/attachments/{attachment_id}/thumbnail (getAttachmentThumbnail)
void get_attachment_thumbnail(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto attachment = attachment_or_404(context, *ctx, respond);
  if (!attachment) return;
  if (attachment->thumbnail_sha256.empty()) {
    return respond.problem(
        *ctx, ApiProblem::not_found("attachment " + attachment->id + " is " +
                                    attachment->content_type + ", which has no thumbnail"));
  }
  send_content(context, *ctx, respond, attachment->thumbnail_sha256, "image/jpeg", "inline",
               "thumbnail-" + attachment->file_name + ".jpg");
}

}  // namespace

void add_evidence_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  RouteSpec upload;
  upload.method = http::verb::post;
  upload.pattern = "/v1/cases/{id}/attachments";
  upload.operation_id = "uploadAttachment";
  upload.summary = "attach evidence (a photo, a screenshot, a PDF) to a case";
  upload.body = BodyPolicy::streamed(context.config.attachment_limit);
  upload.stream_handler = [&context](RequestPtr ctx, std::shared_ptr<BodyStream> body,
                                     Responder respond) {
    upload_attachment(context, std::move(ctx), std::move(body), std::move(respond));
  };
  upload.case_command = CommandKind::kAttachEvidence;
  router.add(std::move(upload));
  router.add({http::verb::get, "/v1/cases/{id}/attachments", "listAttachments",
              "list a case's evidence", case_reader_roles(), true, bind(list_attachments)});
  router.add({http::verb::get, "/v1/cases/{id}/attachments/{attachment_id}", "getAttachmentContent",
              "download one piece of evidence", case_reader_roles(), true,
              bind(get_attachment_content)});
  router.add({http::verb::get, "/v1/cases/{id}/attachments/{attachment_id}/thumbnail",
              "getAttachmentThumbnail", "a small JPEG of an image attachment", case_reader_roles(),
              true, bind(get_attachment_thumbnail)});
}

}  // namespace redress::api
