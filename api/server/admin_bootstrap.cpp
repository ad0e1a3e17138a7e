#include "api/server/admin_bootstrap.h"

#include "api/http/token_codec.h"
#include "storage/await.h"

namespace redress::api {

Result<std::string> issue_admin_token(storage::DirectoryStore& directory, Instant now,
                                      const std::string& label) {
  auto existing = directory.get_user("admin");
  if (!existing.ok()) return existing.error();
  if (!existing.value()) {
    storage::User admin;
    admin.id = "admin";
    admin.display_name = "Administrator";
    admin.role = Role::kAdmin;
    admin.created_at = now;
    auto created = storage::await_result<storage::User>(
        [&](auto done) { directory.create_user(admin, std::move(done)); });
    if (!created.ok()) return created.error();
  } else if (existing.value()->role != Role::kAdmin || !existing.value()->active) {
    return Error::invalid_state(
        "the user 'admin' exists but is not an active admin; fix it through another "
        "admin token");
  }
  const auto secret = generate_token();
  storage::NewToken token{secret.id, secret.hash, "admin", Role::kAdmin, label, std::nullopt, ""};
  auto stored = storage::await_result<storage::ApiToken>(
      [&](auto done) { directory.create_token(token, now, std::move(done)); });
  if (!stored.ok()) return stored.error();
  return secret.token;
}

Result<std::optional<std::string>> ensure_admin_token(storage::DirectoryStore& directory,
                                                      Instant now) {
  auto has = directory.has_active_admin_token(now);
  if (!has.ok()) return has.error();
  if (has.value()) return std::optional<std::string>();
  auto token = issue_admin_token(directory, now, "first admin token");
  if (!token.ok()) return token.error();
  return std::optional<std::string>(token.value());
}

}  // namespace redress::api
