// Customer and order records as the API reads and shows them: the JSON members a request may
// send (checked with every problem reported, as BodyReader does), and the views that mask
// personal data.
//
// One reader serves every way a record arrives — POST/PATCH /v1/customers, PUT /v1/orders/{id},
// the inline `customer` and `order` objects of case creation — so that each takes the same
// values with the same messages.
//
// Thread-safety: free functions over values.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/http/json_body.h"
#include "engine/workflow_catalog.h"
#include "storage/customer_records.h"

namespace redress::api {

// Which members a customer body may carry.
enum class CustomerBody {
  kCreate,  // id required; name, contacts, addresses, tags, level, segment
  kUpdate,  // no id (it is in the path); level changes need level_reason
  kInline,  // case creation's `customer`: id required; as kCreate
};

// Reads a customer body into `out`; problems are left in `in`. `level_reason` receives PATCH's
// reason for a level change.
void read_customer_body(BodyReader& in, const nlohmann::json& body, CustomerBody kind,
                        const WorkflowCatalog& catalog, storage::CustomerInput& out,
                        std::string* level_reason = nullptr);

// Reads an order body; `id_in_body` false when the id is in the path (PUT /v1/orders/{id}).
// `paid_key` is "paid"; `refunded` is what was refunded outside Redress.
void read_order_body(BodyReader& in, const nlohmann::json& body, bool id_in_body,
                     storage::OrderInput& out);

// A phone number as stored and searched: digits, with a leading '+' when one was given; spaces,
// dashes, dots and parentheses dropped. nullopt: not a phone number (5 to 20 digits).
std::optional<std::string> normalize_phone(std::string_view text);
// An e-mail address as stored and searched: lower case. nullopt: not an address.
std::optional<std::string> normalize_email(std::string_view text);

// Masked for listings, exports and logs: "138****5678", "z***@example.com", "w***1".
std::string mask_phone(const std::string& phone);
std::string mask_email(const std::string& email);
std::string mask_chat_id(const std::string& chat_id);

// A customer as listings and reads show it: contacts masked, addresses reduced to their region
// and city.
nlohmann::json customer_json(const storage::CustomerRecord& customer);
// Contacts and addresses in full (only after the view was recorded).
nlohmann::json customer_contacts_json(const storage::CustomerRecord& customer);
// An order; its shipping address masked unless `full`.
nlohmann::json order_json(const storage::OrderRecord& order, bool full);

}  // namespace redress::api
