#include "storage/case_search.h"

#include <algorithm>
#include <vector>

namespace redress::storage {
namespace {

enum class CharKind {
  kCjk,        // segmented into unigrams and bigrams
  kWord,       // part of a word unicode61 keeps as a token
  kSeparator,  // between words
};

// Han (with its extensions and compatibility ideographs, and 々〆〇), kana and Hangul: scripts
// written without spaces between words, or whose words unicode61 would keep whole.
bool is_cjk(char32_t c) {
  return (c >= 0x3005 && c <= 0x3007) || (c >= 0x3041 && c <= 0x309F) ||
         (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FC && c <= 0x30FF) ||
         (c >= 0x3100 && c <= 0x312F) || (c >= 0x3131 && c <= 0x318F) ||
         (c >= 0x31F0 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

// What unicode61 treats as a separator, closely enough for a query: ASCII other than letters and
// digits, and the punctuation and symbol blocks (general punctuation, arrows, maths, CJK and
// full-width punctuation, emoji). A query word made only of characters unicode61 also drops
// would become an empty phrase, which matches nothing.
bool is_separator(char32_t c) {
  if (c < 0x80) {
    return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
  }
  return c <= 0xBF || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
         (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) || c == 0x30A0 ||
         c == 0x30FB || (c >= 0xFE10 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF0F) ||
         (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
         (c >= 0xFF5B && c <= 0xFF65) || c == 0xFFFD || (c >= 0x1F000 && c <= 0x1FAFF);
}

CharKind kind_of(char32_t c) {
  if (is_cjk(c)) return CharKind::kCjk;
  return is_separator(c) ? CharKind::kSeparator : CharKind::kWord;
}

// The code point starting at text[at], advancing `at` past it. Stored text is valid UTF-8; a
// malformed byte decodes on its own as U+FFFD (a separator), so nothing here can loop or throw.
char32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 1;
  char32_t value = lead;
  if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
  } else if (lead >= 0xE0) {
    length = lead <= 0xEF ? 3 : 0;
    value = lead & 0x0F;
  } else if (lead >= 0xC2) {
    length = 2;
    value = lead & 0x1F;
  } else if (lead >= 0x80) {
    length = 0;
  }
  if (length == 0 || at + length > text.size()) {
    ++at;
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto byte = static_cast<unsigned char>(text[at + k]);
    if ((byte & 0xC0) != 0x80) {
      ++at;
      return 0xFFFD;
    }
    value = (value << 6) | (byte & 0x3F);
  }
  at += length;
  return value;
}

// One character of the text: its code point and its bytes.
struct Character {
  char32_t code_point;
  std::string_view bytes;
};

// Calls `each(Character)` for every character of `text`.
template <typename Each>
void for_each_character(std::string_view text, Each each) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto start = at;
    const auto c = next_code_point(text, at);
    each(Character{c, text.substr(start, at - start)});
  }
}

// A CJK run's bigrams, space-separated, in text order; "" for a run of one character.
void append_bigrams(const std::vector<std::string_view>& run, std::string& out) {
  for (std::size_t k = 0; k + 1 < run.size(); ++k) {
    if (k > 0) out += ' ';
    out += run[k];
    out += run[k + 1];
  }
}

}  // namespace

std::string case_search_terms(std::string_view text) {
  // Every CJK code point is U+3005 or above: three or four bytes, led by 0xE3 or more.
  const bool may_hold_cjk = std::any_of(
      text.begin(), text.end(), [](char byte) { return static_cast<unsigned char>(byte) >= 0xE3; });
  if (!may_hold_cjk) return std::string(text);

  std::string out;
  out.reserve(text.size() * 3);
  std::vector<std::string_view> run;
  // The run's bigrams stand at consecutive positions, so that a phrase of a query's bigrams
  // matches only where its characters are adjacent; the unigrams follow them.
  const auto write_run = [&] {
    if (run.empty()) return;
    if (!out.empty() && out.back() != ' ') out += ' ';
    append_bigrams(run, out);
    for (std::size_t k = 0; k < run.size(); ++k) {
      if (k > 0 || run.size() > 1) out += ' ';
      out += run[k];
    }
    run.clear();
  };
  bool after_run = false;
  for_each_character(text, [&](const Character& c) {
    if (is_cjk(c.code_point)) {
      run.push_back(c.bytes);
      return;
    }
    after_run = !run.empty();
    write_run();
    if (after_run && c.code_point != ' ') out += ' ';
    out += c.bytes;
  });
  write_run();
  return out;
}

std::optional<std::string> case_search_expression(std::string_view query) {
  std::vector<std::string> terms;
  std::vector<std::string_view> run;  // the CJK run being read
  std::string words;                  // the other run being read: its words, space-separated
  bool in_word = false;
  const auto end_cjk_run = [&] {
    if (run.empty()) return;
    std::string term = "\"";
    if (run.size() == 1) {
      term += run.front();
    } else {
      append_bigrams(run, term);
    }
    terms.push_back(term + '"');
    run.clear();
  };
  // Words hold only letters and digits, never a quote: the phrase needs no escaping.
  const auto end_word_run = [&] {
    if (!words.empty()) terms.push_back('"' + words + "\" *");
    words.clear();
    in_word = false;
  };
  for_each_character(query, [&](const Character& c) {
    switch (kind_of(c.code_point)) {
      case CharKind::kCjk:
        end_word_run();
        run.push_back(c.bytes);
        break;
      case CharKind::kWord:
        end_cjk_run();
        if (!in_word && !words.empty()) words += ' ';
        words += c.bytes;
        in_word = true;
        break;
      case CharKind::kSeparator:
        end_cjk_run();
        in_word = false;
        break;
    }
  });
  end_cjk_run();
  end_word_run();
  if (terms.empty()) return std::nullopt;
  std::string expression = terms.front();
  for (std::size_t k = 1; k < terms.size(); ++k) expression += " AND " + terms[k];
  return expression;
}

}  // namespace redress::storage
