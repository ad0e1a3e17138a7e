// What an uploaded piece of evidence is, told from its content rather than its name or declared
// type, and its thumbnail.
//
// detect_media reads the magic bytes: JPEG, PNG, WebP and PDF are allowed; executables (PE, ELF,
// Mach-O, scripts with #!) are recognised and named so the refusal can say what was sent; anything
// else is unknown. image_dimensions reads an image's size from its header without decoding it, so
// an image too large to decode safely is refused first. make_thumbnail decodes with libgd and
// writes a small JPEG.
//
// Thread-safety: pure functions; libgd is used without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redress::api {

struct DetectedMedia {
  enum class Kind {
    kAllowed,     // content_type is one of kEvidenceContentTypes
    kExecutable,  // a program: refused whatever it is named
    kUnknown,     // no allowed type's signature
  };
  Kind kind = Kind::kUnknown;
  std::string content_type;  // kAllowed: "image/png", ...
  std::string description;   // for messages: "a PNG image", "a Windows executable (PE)"
};

// The smallest head detect_media needs to decide (WebP's signature ends at byte 12).
inline constexpr size_t kMediaSniffBytes = 12;

// Decides from the first bytes of the content (at least kMediaSniffBytes, or all of a shorter
// content).
DetectedMedia detect_media(std::string_view head);

struct ImageDimensions {
  std::int64_t width = 0;
  std::int64_t height = 0;
};

// The pixel size of a JPEG, PNG or WebP image from its header; nullopt when the header cannot be
// read (a truncated or malformed image).
std::optional<ImageDimensions> image_dimensions(std::string_view bytes,
                                                const std::string& content_type);

struct Thumbnail {
  std::string jpeg;  // the JPEG file
  int width = 0;
  int height = 0;
};

// A JPEG at most `box` pixels wide and high (the aspect ratio kept; never enlarged); nullopt when
// the image does not decode.
std::optional<Thumbnail> make_thumbnail(std::string_view bytes, const std::string& content_type,
                                        int box = 320);

}  // namespace redress::api
