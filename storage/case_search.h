// How case text is written into, and looked up in, the full-text index `case_terms` (schema v6):
// an FTS5 table with the standard `unicode61` tokenizer, so the sqlite3 shell and every tool
// reads it without a custom tokenizer registered.
//
// unicode61 splits Latin text into words but would keep a run of Chinese characters as one
// token. So CJK text (Han, kana, Hangul) is written segmented: each run of CJK characters as its
// bigrams, then its unigrams, space-separated ("退款慢" -> "退款 款慢 退 款 慢"). A 1-character
// query is its unigram, a 2-character one its bigram, a longer one the phrase of its bigrams,
// which matches exactly where the characters stand together in the text. Other text is written
// unchanged; each of its words in a query matches the words it begins (a prefix query), so an
// id fragment from a word's start ("TB-2026", "20261120-001", "C-12") finds its case.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redress::storage {

// One row of case_terms: ?1 case id, ?2 source (what wrote the text), ?3 case_search_terms(text).
// The writer and migration 6's rebuild insert with it.
inline constexpr const char* kInsertCaseTermsSql =
    "INSERT INTO case_terms (case_id, source, terms) VALUES (?, ?, ?)";

// `text` as written to case_terms' `terms` column (see above). Text without CJK characters is
// returned unchanged.
std::string case_search_terms(std::string_view text);

// The FTS5 MATCH expression that finds `query` in case_terms: one term per run of the query
// (CJK runs as above, other runs as a phrase of their words, the last a prefix), all required.
// FTS5 syntax in the query is never interpreted. nullopt when the query holds nothing a term can
// be made of (only spaces or punctuation): such a query matches no case.
std::optional<std::string> case_search_expression(std::string_view query);

}  // namespace redress::storage
