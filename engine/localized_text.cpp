#include "engine/localized_text.h"

#include <algorithm>

namespace redress {

LocalizedText LocalizedText::english(std::string words) {
  LocalizedText text;
  if (!words.empty()) text.set("en", std::move(words));
  return text;
}

const std::string& LocalizedText::in(std::string_view language) const {
  static const std::string kNone;
  if (const auto it = words_.find(language); it != words_.end()) return it->second;
  if (const auto it = words_.find("en"); it != words_.end()) return it->second;
  return kNone;
}

nlohmann::json LocalizedText::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [language, words] : words_) out[language] = words;
  return out;
}

namespace {

bool known_language(std::string_view code) {
  return std::find(kLabelLanguages.begin(), kLabelLanguages.end(), code) != kLabelLanguages.end();
}

std::string known_languages() {
  std::string out;
  for (const auto language : kLabelLanguages) {
    if (!out.empty()) out += ", ";
    out += language;
  }
  return out;
}

}  // namespace

std::optional<LocalizedText> read_label(JsonReader& reader, const nlohmann::json& object,
                                        const std::string& pointer, const std::string& key,
                                        std::string_view what) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const auto& value = object[key];
  const std::string at = pointer + "/" + pointer_token(key);
  LocalizedText text;
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().empty()) {
      reader.error("BAD_TYPE", at, std::string(what) + " is empty");
      return std::nullopt;
    }
    text.set("en", value.get<std::string>());
  } else if (value.is_object()) {
    bool valid = true;
    for (const auto& [language, words] : value.items()) {
      const std::string word_at = at + "/" + pointer_token(language);
      if (!known_language(language)) {
        reader.error("UNKNOWN_LANGUAGE", word_at,
                     std::string(what) + " has words in unknown language " + quote_name(language) +
                         "; languages: " + known_languages());
        valid = false;
      } else if (!words.is_string() || words.get_ref<const std::string&>().empty()) {
        reader.error("BAD_TYPE", word_at,
                     std::string(what) + " in " + quote_name(language) +
                         " must be non-empty text, not " +
                         (words.is_string() ? std::string("empty text") : json_type_name(words)));
        valid = false;
      } else {
        text.set(language, words.get<std::string>());
      }
    }
    if (!valid) return std::nullopt;
    if (text.empty()) {
      reader.error("BAD_TYPE", at,
                   std::string(what) + " has no words; give {\"en\": …, \"zh\": …}");
      return std::nullopt;
    }
  } else {
    reader.error("BAD_TYPE", at,
                 std::string(what) + " must be text or {\"en\": …, \"zh\": …}, not " +
                     json_type_name(value));
    return std::nullopt;
  }
  for (const auto language : kLabelLanguages) {
    if (!text.has(language)) {
      reader.warning("MISSING_LANGUAGE", at,
                     std::string(what) + " has no " + quote_name(language) + " words");
    }
  }
  return text;
}

}  // namespace redress
