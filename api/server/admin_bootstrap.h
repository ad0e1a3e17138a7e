// The first admin: `redress init` and the first start of `redress serve` make sure someone can
// administer the server, by creating the `admin` user and printing one admin token.
//
// The token is printed once and stored only as a hash; when every admin token has been lost or
// revoked, `redress init --new-admin-token` issues another.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/directory_store.h"

namespace redress::api {

// Creates the `admin` user if missing and a new admin token for it. Returns the token.
Result<std::string> issue_admin_token(storage::DirectoryStore& directory, Instant now,
                                      const std::string& label);

// When no usable admin token exists: issues one and returns it; otherwise nullopt.
Result<std::optional<std::string>> ensure_admin_token(storage::DirectoryStore& directory,
                                                      Instant now);

}  // namespace redress::api
