// LocalizedText: words a person reads — the title of a workflow, state, transition, field or enum
// value, the description of a suggested remedy — in each language the console speaks.
//
// In a definition a label is a string (English: definitions written before labels were localized)
// or an object of language code to words: {"en": "Damaged on arrival", "zh": "商品破损"}.
// read_label() reports, through the definition's JsonReader:
//   BAD_TYPE          (error)   neither a string nor an object of strings, or empty words;
//   UNKNOWN_LANGUAGE  (error)   a code outside kLabelLanguages ("cn", "zh-CN", "EN");
//   MISSING_LANGUAGE  (warning) a language of kLabelLanguages without words (a plain string is
//                               English only, so it warns that Chinese is missing).
//
// Thread-safety: a value type; const methods may be called from any thread.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/json_reader.h"

namespace redress {

// The languages every label should have, English first (the fallback).
inline constexpr std::array<std::string_view, 2> kLabelLanguages = {"en", "zh"};

class LocalizedText {
 public:
  LocalizedText() = default;
  // English words only (a default such as a state's name when it has no title).
  static LocalizedText english(std::string words);

  // The words in `language`; else the English ones; else "" (an empty label).
  const std::string& in(std::string_view language) const;
  const std::string& english() const { return in("en"); }
  bool empty() const { return words_.empty(); }
  bool has(std::string_view language) const { return words_.contains(language); }

  // {"en": ..., "zh": ...}: the languages given.
  nlohmann::json to_json() const;

  void set(std::string language, std::string words) {
    words_[std::move(language)] = std::move(words);
  }

 private:
  std::map<std::string, std::string, std::less<>> words_;
};

// Reads the label `key` of `object` (at `pointer`). nullopt when the member is absent, or when
// it is malformed (then an error was recorded). `what` names its owner in messages
// ("the title of state 'confirming'").
std::optional<LocalizedText> read_label(JsonReader& reader, const nlohmann::json& object,
                                        const std::string& pointer, const std::string& key,
                                        std::string_view what);

}  // namespace redress
