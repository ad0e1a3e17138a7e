// The OpenAPI 3.1 document of the HTTP API, served as-is at GET /v1/openapi.json.
//
// The document is hand-written in api/openapi.json — the source of truth, reviewed like code —
// and compiled into the server by api/CMakeLists.txt (from api/openapi_document.cpp.in; editing
// the JSON re-runs CMake). tests/api/openapi_test.cpp keeps it true: every route of the router
// is documented under its pattern and method with its operationId and roles, and nothing else
// is; the roles of the case commands are the engine's role table (engine/command_roles.h).
//
// Thread-safety: the view refers to a constant built on first use; callable from any thread.
#pragma once

#include <string_view>

namespace redress::api {

// The JSON text of api/openapi.json, byte for byte.
std::string_view openapi_document();

}  // namespace redress::api
