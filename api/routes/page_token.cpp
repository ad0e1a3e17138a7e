#include "api/routes/page_token.h"

#include <stdexcept>

#include "api/http/base64.h"
#include "api/http/token_codec.h"

namespace redress::api {
namespace {

constexpr unsigned char kFormatVersion = 1;
constexpr size_t kChecksumBytes = 8;
constexpr char kIntegerTag = 'i';
constexpr char kStringTag = 's';
constexpr size_t kMaxNameBytes = 255;    // its length is one byte
constexpr size_t kMaxStringBytes = 511;  // well inside the token's bound, and two length bytes
constexpr const char* kUseAsGiven =
    "; use next_page_token exactly as the previous page gave it, or start without one";

std::string checksum(std::string_view content) {
  const auto digest = hash_token(content);  // SHA-256
  return std::string(digest.begin(), digest.begin() + kChecksumBytes);
}

void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out += static_cast<char>((value >> shift) & 0xFF);
  }
}

// Reads the token's bytes front to back; every read checks that the bytes are there.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return bytes_.empty(); }
  std::optional<std::uint64_t> big_endian(int bytes) {
    if (bytes_.size() < static_cast<size_t>(bytes)) return std::nullopt;
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(bytes_[i]);
    bytes_.remove_prefix(static_cast<size_t>(bytes));
    return value;
  }
  std::optional<std::string_view> take(size_t size) {
    if (bytes_.size() < size) return std::nullopt;
    const auto taken = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return taken;
  }

 private:
  std::string_view bytes_;
};

Error refused(const std::string& what) {
  return Error(ErrorCode::kInvalidQuery, what + kUseAsGiven, "/query/page_token");
}

Error damaged() {
  return refused("is damaged or was not made by this server");
}

}  // namespace

std::string encode_page_token(std::string_view listing, const PagePosition& position) {
  if (listing.size() > kMaxNameBytes || position.size() > 255) {
    throw std::length_error("page token: listing name or position too long");
  }
  std::string content;
  content += static_cast<char>(kFormatVersion);
  content += static_cast<char>(listing.size());
  content += listing;
  content += static_cast<char>(position.size());
  for (const auto& field : position) {
    if (const auto* number = std::get_if<std::int64_t>(&field)) {
      content += kIntegerTag;
      append_big_endian(content, static_cast<std::uint64_t>(*number), 8);
    } else {
      const auto& text = std::get<std::string>(field);
      if (text.size() > kMaxStringBytes) throw std::length_error("page token: field too long");
      content += kStringTag;
      append_big_endian(content, text.size(), 2);
      content += text;
    }
  }
  content += checksum(content);
  auto token = base64url_encode(content);
  if (token.size() > kMaxPageTokenLength) throw std::length_error("page token too long");
  return token;
}

Result<PagePosition> decode_page_token(std::string_view token, std::string_view listing,
                                       std::span<const PageKeyType> key) {
  if (token.size() > kMaxPageTokenLength) {
    return refused("is longer than any page token (at most " + std::to_string(kMaxPageTokenLength) +
                   " characters)");
  }
  const auto bytes = base64url_decode(token);
  if (!bytes || bytes->empty()) {
    return refused("is not a page token (those are unpadded base64url)");
  }
  if (bytes->size() <= kChecksumBytes) return damaged();
  const std::string_view content(bytes->data(), bytes->size() - kChecksumBytes);
  if (checksum(content) != std::string_view(*bytes).substr(content.size())) return damaged();

  ByteReader in(content);
  const auto version = in.big_endian(1);
  if (!version || *version != kFormatVersion) return damaged();
  const auto name_size = in.big_endian(1);
  const auto name = name_size ? in.take(*name_size) : std::nullopt;
  if (!name) return damaged();
  if (*name != listing) {
    return refused("is a page token of another listing, not of this one");
  }
  const auto count = in.big_endian(1);
  if (!count) return damaged();
  PagePosition position;
  for (std::uint64_t i = 0; i < *count; ++i) {
    const auto tag = in.take(1);
    if (!tag) return damaged();
    if ((*tag)[0] == kIntegerTag) {
      const auto number = in.big_endian(8);
      if (!number) return damaged();
      position.emplace_back(static_cast<std::int64_t>(*number));
    } else if ((*tag)[0] == kStringTag) {
      const auto size = in.big_endian(2);
      const auto text = size ? in.take(*size) : std::nullopt;
      if (!text) return damaged();
      position.emplace_back(std::string(*text));
    } else {
      return damaged();
    }
  }
  if (!in.done()) return damaged();
  // The listing's own token with other fields: made by another version of the listing.
  bool fits = position.size() == key.size();
  for (size_t i = 0; fits && i < key.size(); ++i) {
    fits = std::holds_alternative<std::int64_t>(position[i]) == (key[i] == PageKeyType::kInteger);
  }
  if (!fits) return refused("does not hold a position of this listing");
  return position;
}

PageRequest read_page(QueryReader& query, const PageListing& listing) {
  PageRequest page;
  page.size = static_cast<size_t>(
      query.integer("page_size", 1, kMaxPageSize).value_or(listing.default_size));
  if (const auto token = query.string("page_token", kMaxPageTokenLength)) {
    auto position = decode_page_token(*token, listing.name, listing.key);
    if (position.ok()) {
      page.after = std::move(position).value();
    } else {
      query.add("page_token", position.error().message, problem_params("invalid_page_token"));
    }
  }
  return page;
}

nlohmann::json page_token_json(const std::optional<std::string>& token) {
  return token ? nlohmann::json(*token) : nlohmann::json(nullptr);
}

}  // namespace redress::api
