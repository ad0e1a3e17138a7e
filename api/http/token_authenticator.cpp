#include "api/http/token_authenticator.h"

#include "api/http/token_scopes.h"

#include "api/http/token_codec.h"

namespace redress::api {
namespace {

ApiProblem unauthenticated(const std::string& detail) {
  return ApiProblem::unauthenticated(detail);
}

}  // namespace

TokenAuthenticator::TokenAuthenticator(storage::DirectoryStore& directory, size_t cache_capacity,
                                       std::chrono::milliseconds cache_ttl)
    : directory_(directory), cache_capacity_(cache_capacity), cache_ttl_(cache_ttl) {}

std::variant<Principal, ApiProblem> TokenAuthenticator::authenticate(std::string_view authorization,
                                                                     Instant now) {
  if (authorization.empty()) {
    return unauthenticated("this endpoint needs a token: send 'Authorization: Bearer <token>'");
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      !std::equal(
          kScheme.begin(), kScheme.end(), authorization.begin(),
          [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); })) {
    return unauthenticated("the Authorization header must use the Bearer scheme");
  }
  const auto token = authorization.substr(kScheme.size());
  const bool session = looks_like_session_token(token);
  if (!session && !looks_like_token(token)) {
    return unauthenticated(
        "the bearer token is not a Redress token (rdr_ or rds_ and 43 characters)");
  }
  auto found = lookup(hash_token(token), session, now);
  if (!found.ok()) return from_error(found.error());
  if (!found.value()) {
    return unauthenticated(session ? "the session is not recognised; sign in again"
                                   : "the bearer token is not recognised");
  }
  const CachedGrant& grant = *found.value();

  Principal principal;
  if (grant.session) {
    const auto& s = *grant.session;
    if (s.revoked_at) {
      return unauthenticated("session " + s.id + " was revoked at " +
                             format_rfc3339(*s.revoked_at) + "; sign in again");
    }
    if (s.expires_at <= now) {
      return unauthenticated("session " + s.id + " expired at " + format_rfc3339(s.expires_at) +
                             "; sign in again");
    }
    principal.session_id = s.id;
  }
  const auto& t = grant.grant.token;
  if (t.revoked_at) {
    return unauthenticated("token " + t.id + " was revoked at " + format_rfc3339(*t.revoked_at));
  }
  if (t.expires_at && *t.expires_at <= now) {
    return unauthenticated("token " + t.id + " expired at " + format_rfc3339(*t.expires_at));
  }
  principal.token_id = t.id;
  principal.actor.role = t.role;
  principal.actor.id = t.id;
  if (t.role == Role::kIntegration) principal.scopes = split_scopes(t.scopes);
  if (grant.grant.user) {
    const auto& user = *grant.grant.user;
    if (!user.active) {
      return unauthenticated("the user " + user.id + " of token " + t.id + " is deactivated");
    }
    principal.user_id = user.id;
    principal.actor.id = user.id;
    principal.actor.team = user.team_id;
  }
  {
    MutexLock lock(mutex_);
    if (grant.session) {
      session_last_used_[grant.session->id] = now;
    } else {
      last_used_[t.id] = now;
    }
  }
  return principal;
}

Result<std::optional<TokenAuthenticator::CachedGrant>> TokenAuthenticator::lookup(
    const std::vector<unsigned char>& hash, bool session, Instant now) {
  const std::string key(hash.begin(), hash.end());
  std::uint64_t generation = 0;
  {
    MutexLock lock(mutex_);
    generation = generation_;
    if (auto it = cache_.find(key);
        it != cache_.end() && now - it->second.fetched_at < cache_ttl_) {
      return std::optional<CachedGrant>(it->second);
    }
  }
  CachedGrant grant;
  grant.fetched_at = now;
  if (session) {
    auto found = directory_.find_session(hash);
    if (!found.ok()) return found.error();
    if (!found.value()) return std::optional<CachedGrant>();
    grant.session = std::move(found.value()->session);
    grant.grant = std::move(found.value()->parent);
  } else {
    auto found = directory_.find_token(hash);
    if (!found.ok()) return found.error();
    if (!found.value()) return std::optional<CachedGrant>();
    grant.grant = std::move(*found.value());
  }
  MutexLock lock(mutex_);
  // A revocation or user change committed while we read may have made this grant stale: it
  // answers this one request (read before the change) but is not cached.
  if (generation == generation_) {
    if (cache_.size() >= cache_capacity_) cache_.clear();  // bounded; refilled on demand
    cache_[key] = grant;
  }
  return std::optional<CachedGrant>(std::move(grant));
}

void TokenAuthenticator::forget_token(const std::string& token_id) {
  MutexLock lock(mutex_);
  ++generation_;
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.grant.token.id == token_id; });
}

void TokenAuthenticator::forget_user(const std::string& user_id) {
  MutexLock lock(mutex_);
  ++generation_;
  std::erase_if(cache_, [&](const auto& entry) {
    return entry.second.grant.user && entry.second.grant.user->id == user_id;
  });
}

void TokenAuthenticator::forget_session(const std::string& session_id) {
  MutexLock lock(mutex_);
  ++generation_;
  std::erase_if(cache_, [&](const auto& entry) {
    return entry.second.session && entry.second.session->id == session_id;
  });
}

std::vector<std::pair<std::string, Instant>> TokenAuthenticator::take_last_used() {
  MutexLock lock(mutex_);
  std::vector<std::pair<std::string, Instant>> out(last_used_.begin(), last_used_.end());
  last_used_.clear();
  return out;
}

std::vector<std::pair<std::string, Instant>> TokenAuthenticator::take_session_last_used() {
  MutexLock lock(mutex_);
  std::vector<std::pair<std::string, Instant>> out(session_last_used_.begin(),
                                                   session_last_used_.end());
  session_last_used_.clear();
  return out;
}

}  // namespace redress::api
