#include "api/routes/evidence_media.h"

#include <gd.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <type_traits>

namespace redress::api {
namespace {

bool starts_with(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

std::uint32_t big_endian32(std::string_view b, size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

std::uint32_t big_endian16(std::string_view b, size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1]));
}

std::uint32_t little_endian(std::string_view b, size_t at, int bytes) {
  std::uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  }
  return value;
}

std::optional<ImageDimensions> png_dimensions(std::string_view b) {
  // Signature (8), IHDR length (4) and type (4), then width and height.
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return ImageDimensions{big_endian32(b, 16), big_endian32(b, 20)};
}

std::optional<ImageDimensions> jpeg_dimensions(std::string_view b) {
  size_t at = 2;  // after SOI
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      at += 2;  // markers without a length
      continue;
    }
    const auto length = big_endian16(b, at + 2);
    if (length < 2) return std::nullopt;
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 9 > b.size()) return std::nullopt;
      return ImageDimensions{big_endian16(b, at + 7), big_endian16(b, at + 5)};
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan data before any frame
    at += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageDimensions> webp_dimensions(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const auto chunk = b.substr(12, 4);
  if (chunk == "VP8X") {  // canvas width-1 and height-1, 24 bits each
    return ImageDimensions{little_endian(b, 24, 3) + 1, little_endian(b, 27, 3) + 1};
  }
  if (chunk == "VP8L") {  // signature 0x2f, then 14 bits width-1, 14 bits height-1
    if (static_cast<unsigned char>(b[20]) != 0x2f) return std::nullopt;
    const auto bits = little_endian(b, 21, 4);
    return ImageDimensions{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (chunk == "VP8 ") {  // frame tag (3), start code 9d 01 2a, then 14-bit width and height
    if (b.substr(23, 3) != "\x9d\x01\x2a") return std::nullopt;
    return ImageDimensions{little_endian(b, 26, 2) & 0x3FFF, little_endian(b, 28, 2) & 0x3FFF};
  }
  return std::nullopt;
}

struct ImageDeleter {
  void operator()(gdImagePtr image) const {
    if (image) gdImageDestroy(image);
  }
};
using ImageHandle = std::unique_ptr<std::remove_pointer_t<gdImagePtr>, ImageDeleter>;

}  // namespace

DetectedMedia detect_media(std::string_view head) {
  using Kind = DetectedMedia::Kind;
  if (starts_with(head, "\xFF\xD8\xFF")) return {Kind::kAllowed, "image/jpeg", "a JPEG image"};
  if (starts_with(head, "\x89PNG\r\n\x1A\n")) return {Kind::kAllowed, "image/png", "a PNG image"};
  if (head.size() >= 12 && starts_with(head, "RIFF") && head.substr(8, 4) == "WEBP") {
    return {Kind::kAllowed, "image/webp", "a WebP image"};
  }
  if (starts_with(head, "%PDF-")) return {Kind::kAllowed, "application/pdf", "a PDF document"};
  if (starts_with(head, "MZ")) return {Kind::kExecutable, "", "a Windows executable (PE)"};
  if (starts_with(head,
                  "\x7F"
                  "ELF")) {
    return {Kind::kExecutable, "", "a Linux executable (ELF)"};
  }
  for (const std::string_view mach :
       {std::string_view("\xFE\xED\xFA\xCE"), std::string_view("\xFE\xED\xFA\xCF"),
        std::string_view("\xCE\xFA\xED\xFE"), std::string_view("\xCF\xFA\xED\xFE"),
        std::string_view("\xCA\xFE\xBA\xBE")}) {
    if (starts_with(head, mach)) return {Kind::kExecutable, "", "a macOS executable (Mach-O)"};
  }
  if (starts_with(head, "#!")) return {Kind::kExecutable, "", "a script (#!)"};
  return {Kind::kUnknown, "", "content of an unknown type"};
}

std::optional<ImageDimensions> image_dimensions(std::string_view bytes,
                                                const std::string& content_type) {
  if (content_type == "image/png") return png_dimensions(bytes);
  if (content_type == "image/jpeg") return jpeg_dimensions(bytes);
  if (content_type == "image/webp") return webp_dimensions(bytes);
  return std::nullopt;
}

std::optional<Thumbnail> make_thumbnail(std::string_view bytes, const std::string& content_type,
                                        int box) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return std::nullopt;
  const int size = static_cast<int>(bytes.size());
  // libgd takes a non-const pointer but only reads.
  void* data = const_cast<char*>(bytes.data());
  ImageHandle image;
  if (content_type == "image/jpeg") {
    image.reset(gdImageCreateFromJpegPtrEx(size, data, 1));
  } else if (content_type == "image/png") {
    image.reset(gdImageCreateFromPngPtr(size, data));
  } else if (content_type == "image/webp") {
    image.reset(gdImageCreateFromWebpPtr(size, data));
  }
  if (!image) return std::nullopt;
  const int width = gdImageSX(image.get());
  const int height = gdImageSY(image.get());
  if (width <= 0 || height <= 0) return std::nullopt;
  const double scale = std::min(1.0, static_cast<double>(box) / std::max(width, height));
  const int thumb_width = std::max(1, static_cast<int>(width * scale + 0.5));
  const int thumb_height = std::max(1, static_cast<int>(height * scale + 0.5));
  gdImageSetInterpolationMethod(image.get(), GD_BILINEAR_FIXED);
  ImageHandle scaled(gdImageScale(image.get(), static_cast<unsigned>(thumb_width),
                                  static_cast<unsigned>(thumb_height)));
  if (!scaled) return std::nullopt;
  int jpeg_size = 0;
  void* jpeg = gdImageJpegPtr(scaled.get(), &jpeg_size, 80);
  if (!jpeg) return std::nullopt;
  Thumbnail thumbnail{std::string(static_cast<const char*>(jpeg), static_cast<size_t>(jpeg_size)),
                      thumb_width, thumb_height};
  gdFree(jpeg);
  return thumbnail;
}

}  // namespace redress::api
