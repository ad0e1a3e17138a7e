// TokenAuthenticator: turns an Authorization header into a Principal, or says why it cannot.
//
// Tokens are looked up by their SHA-256 hash (storage keeps nothing else). Grants are cached for
// a short time so a busy client does not cost a database read per request; revoking a token or
// changing its user through the API drops the cache entry at once. Last-used times are gathered
// in memory and written in one batch by the server's housekeeping (not one write per request).
// Refusals say precisely why (missing, malformed, unknown, revoked, expired, user deactivated)
// without ever echoing the token.
//
// Console session secrets (rds_...) are accepted the same way: the session must be unrevoked
// and unexpired, and its parent token must pass every check a token passes, so revoking the
// parent or deactivating its user ends the session at once. The session acts with the parent's
// role and user (Principal::token_id is the parent's, Principal::session_id the session's).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/http/problem.h"
#include "api/http/request_context.h"
#include "engine/mutex.h"
#include "storage/directory_store.h"

namespace redress::api {

class TokenAuthenticator {
 public:
  explicit TokenAuthenticator(storage::DirectoryStore& directory, size_t cache_capacity = 10000,
                              std::chrono::milliseconds cache_ttl = std::chrono::seconds(30));

  std::variant<Principal, ApiProblem> authenticate(std::string_view authorization, Instant now);

  // Drop cached grants after a change (revocation, role or team change, deactivation).
  void forget_token(const std::string& token_id);
  void forget_user(const std::string& user_id);
  // After a session was refreshed or revoked.
  void forget_session(const std::string& session_id);

  // Last-used times gathered since the previous call, for DirectoryStore::touch_tokens.
  std::vector<std::pair<std::string, Instant>> take_last_used();
  // The same for sessions, for DirectoryStore::touch_sessions.
  std::vector<std::pair<std::string, Instant>> take_session_last_used();

 private:
  struct CachedGrant {
    storage::TokenGrant grant;                // the token, or a session's parent token
    std::optional<storage::Session> session;  // set for a session secret
    Instant fetched_at{};
  };

  // The cached grant for `hash`, else the stored one (cached unless a forget_* intervened).
  // nullopt: no credential has this hash.
  Result<std::optional<CachedGrant>> lookup(const std::vector<unsigned char>& hash, bool session,
                                            Instant now);

  storage::DirectoryStore& directory_;
  const size_t cache_capacity_;
  const std::chrono::milliseconds cache_ttl_;
  Mutex mutex_;
  std::map<std::string, CachedGrant> cache_ GUARDED_BY(mutex_);  // by token hash (binary string)
  std::map<std::string, Instant> last_used_ GUARDED_BY(mutex_);  // by token id
  std::map<std::string, Instant> session_last_used_ GUARDED_BY(mutex_);  // by session id
  // Bumped by every forget_*: a grant read from the database before a revocation committed must
  // not be cached after the revocation dropped it.
  std::uint64_t generation_ GUARDED_BY(mutex_) = 0;
};

}  // namespace redress::api
