#include "api/http/token_authenticator.h"

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
  if (!looks_like_token(token)) {
    return unauthenticated("the bearer token is not a Redress token (rdr_ and 43 characters)");
  }
  const auto hash = hash_token(token);
  const std::string key(hash.begin(), hash.end());

  std::optional<storage::TokenGrant> grant;
  std::uint64_t generation = 0;
  {
    MutexLock lock(mutex_);
    generation = generation_;
    if (auto it = cache_.find(key);
        it != cache_.end() && now - it->second.fetched_at < cache_ttl_) {
      grant = it->second.grant;
    }
  }
  if (!grant) {
    auto found = directory_.find_token(hash);
    if (!found.ok()) return from_error(found.error());
    if (!found.value()) return unauthenticated("the bearer token is not recognised");
    grant = *found.value();
    MutexLock lock(mutex_);
    // A revocation or user change committed while we read may have made this grant stale: it
    // answers this one request (read before the change) but is not cached.
    if (generation == generation_) {
      if (cache_.size() >= cache_capacity_) cache_.clear();  // bounded; refilled on demand
      cache_[key] = CachedGrant{*grant, now};
    }
  }

  const auto& t = grant->token;
  if (t.revoked_at) {
    return unauthenticated("token " + t.id + " was revoked at " + format_rfc3339(*t.revoked_at));
  }
  if (t.expires_at && *t.expires_at <= now) {
    return unauthenticated("token " + t.id + " expired at " + format_rfc3339(*t.expires_at));
  }
  Principal principal;
  principal.token_id = t.id;
  principal.actor.role = t.role;
  principal.actor.id = t.id;
  if (grant->user) {
    if (!grant->user->active) {
      return unauthenticated("the user " + grant->user->id + " of token " + t.id +
                             " is deactivated");
    }
    principal.user_id = grant->user->id;
    principal.actor.id = grant->user->id;
    principal.actor.team = grant->user->team_id;
  }
  {
    MutexLock lock(mutex_);
    last_used_[t.id] = now;
  }
  return principal;
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

std::vector<std::pair<std::string, Instant>> TokenAuthenticator::take_last_used() {
  MutexLock lock(mutex_);
  std::vector<std::pair<std::string, Instant>> out(last_used_.begin(), last_used_.end());
  last_used_.clear();
  return out;
}

}  // namespace redress::api
