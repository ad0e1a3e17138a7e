#include "api/routes/record_input.h"

#include <algorithm>
#include <cctype>

#include "api/http/json_time.h"
#include "engine/utf8.h"

namespace redress::api {
namespace {

constexpr size_t kMaxId = 128;
constexpr size_t kMaxRecordNameLength = 200;
constexpr size_t kMaxAddresses = 10;
constexpr size_t kMaxAddressPart = 200;
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTag = 32;
constexpr size_t kMaxItems = 200;
constexpr size_t kMaxShortText = 64;
constexpr size_t kMaxVocabularyName = 32;  // membership levels and segments

const std::vector<std::string> kOrderStatuses = {
    "pending_payment", "paid",     "shipped",  "delivered",         "completed",
    "cancelled",       "returned", "refunded", "partially_refunded"};

// Address members, in the order the console shows them. Region and city are what a listing
// keeps; the rest identifies a person's home.
constexpr std::string_view kAddressKeys[] = {
    "label", "recipient", "phone", "region", "city", "district", "line", "postal_code", "country"};

bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxVocabularyName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<nlohmann::json> read_address(BodyReader& in, const nlohmann::json& value,
                                           const std::string& pointer) {
  BodyReader a(value, pointer,
               {"label", "recipient", "phone", "region", "city", "district", "line", "postal_code",
                "country"});
  nlohmann::json out = nlohmann::json::object();
  if (value.is_object()) {
    for (const auto key : kAddressKeys) {
      const std::string name(key);
      if (auto text = a.string(name, false, kMaxAddressPart, true)) {
        if (name == "phone" && !text->empty()) {
          if (auto phone = normalize_phone(*text)) {
            out[name] = *phone;
          } else {
            a.add(a.pointer(name), "is not a phone number (5 to 20 digits)",
                  problem_params("not_phone"));
          }
        } else if (!text->empty()) {
          out[name] = *text;
        }
      }
    }
  }
  const bool ok = a.ok();
  in.merge(a);
  if (!ok) return std::nullopt;
  return out;
}

// An optional array member: nullopt when absent; problems recorded for a wrong type or size.
const nlohmann::json* array_member(BodyReader& in, const nlohmann::json& body,
                                   const std::string& key, size_t max_items) {
  const auto it = body.find(key);
  if (it == body.end()) return nullptr;
  if (!it->is_array()) {
    in.add(in.pointer(key), "must be an array", problem_params("wrong_type", {{"type", "array"}}));
    return nullptr;
  }
  if (it->size() > max_items) {
    in.add(in.pointer(key), "must have at most " + std::to_string(max_items) + " items",
           problem_params("too_many_items", {{"max_items", max_items}}));
    return nullptr;
  }
  return &*it;
}

std::string mask_middle(const std::string& text, size_t keep_front, size_t keep_back) {
  if (text.size() <= keep_front + keep_back) return std::string(text.empty() ? 0 : 3, '*');
  return text.substr(0, keep_front) + "****" + text.substr(text.size() - keep_back);
}

void check_vocabulary(BodyReader& in, const std::string& key, const std::string& value,
                      const char* what) {
  if (!is_plain_name(value)) {
    in.add(in.pointer(key), std::string("is not a ") + what + " name (1 to 64 of a-z, 0-9 and _)",
           problem_params("invalid_name"));
  }
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view text) {
  std::string out;
  size_t digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      out += c;
      ++digits;
    } else if (c == '+' && out.empty()) {
      out += c;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  if (digits < 5 || digits > 20) return std::nullopt;
  return out;
}

std::optional<std::string> normalize_email(std::string_view text) {
  const auto at = text.find('@');
  if (text.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 >= text.size() ||
      text.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return std::nullopt;
    out += static_cast<char>(std::tolower(u));
  }
  return out;
}

std::string mask_phone(const std::string& phone) {
  return phone.size() >= 8 ? mask_middle(phone, 3, 4) : mask_middle(phone, 0, 2);
}

std::string mask_email(const std::string& email) {
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0) return "***";
  return email.substr(0, 1) + "***" + email.substr(at);
}

std::string mask_chat_id(const std::string& chat_id) {
  if (chat_id.empty()) return {};
  // The first whole code point, so a Chinese chat name stays valid UTF-8.
  const auto lead = static_cast<unsigned char>(chat_id.front());
  const size_t bytes = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  return chat_id.substr(0, std::min(bytes, chat_id.size())) + "***";
}

// A level or segment a person writes must be one of the loaded policy's (an integration's
// inline value is taken as it comes: the shop's other systems may know names Redress does not).
static void check_known(BodyReader& in, const std::string& key, const std::string& value,
                        const std::vector<std::string>& known) {
  if (known.empty() || std::find(known.begin(), known.end(), value) != known.end()) return;
  in.add(in.pointer(key), "is not one of the shop's " + key + "s",
         problem_params("not_one_of", {{"allowed", known}}));
}

void read_customer_body(BodyReader& in, const nlohmann::json& body, CustomerBody kind,
                        const WorkflowCatalog& catalog, storage::CustomerInput& out,
                        std::string* level_reason) {
  if (kind != CustomerBody::kUpdate) out.id = in.string("id", true, kMaxId).value_or("");
  out.name = in.string("name", false, kMaxRecordNameLength, true);
  if (auto contacts = in.object("contacts", false)) {
    BodyReader c(*contacts, in.pointer("contacts"), {"phone", "email", "chat_id"});
    storage::CustomerContacts read;
    if (auto phone = c.string("phone", false, 40, true); phone && !phone->empty()) {
      if (auto normalized = normalize_phone(*phone)) {
        read.phone = *normalized;
      } else {
        c.add(c.pointer("phone"),
              "is not a phone number (5 to 20 digits, with + - ( ) . or spaces)",
              problem_params("not_phone"));
      }
    }
    if (auto email = c.string("email", false, 254, true); email && !email->empty()) {
      if (auto normalized = normalize_email(*email)) {
        read.email = *normalized;
      } else {
        c.add(c.pointer("email"), "is not an e-mail address", problem_params("not_email"));
      }
    }
    read.chat_id = c.string("chat_id", false, kMaxId, true).value_or("");
    out.contacts = read;
    in.merge(c);
  }
  if (const auto* addresses = array_member(in, body, "addresses", kMaxAddresses)) {
    nlohmann::json read = nlohmann::json::array();
    for (size_t i = 0; i < addresses->size(); ++i) {
      if (auto address = read_address(in, (*addresses)[i],
                                      in.pointer("addresses") + "/" + std::to_string(i))) {
        read.push_back(std::move(*address));
      }
    }
    out.addresses = std::move(read);
  }
  if (auto tags = in.string_array("tags", false, kMaxTags, kMaxTag)) {
    std::sort(tags->begin(), tags->end());
    tags->erase(std::unique(tags->begin(), tags->end()), tags->end());
    out.tags = std::move(*tags);
  }
  std::vector<std::string> levels;
  std::vector<std::string> segments;
  if (kind != CustomerBody::kInline) {
    if (const auto* policy = catalog.membership_policy()) {
      for (const auto& level : policy->levels()) levels.push_back(level.id);
    }
    if (const auto* policy = catalog.rfm_policy()) {
      for (const auto& segment : policy->segments()) segments.push_back(segment.name);
    }
  }
  if (auto level = in.string("level", false, kMaxVocabularyName)) {
    check_vocabulary(in, "level", *level, "membership level");
    check_known(in, "level", *level, levels);
    out.level = *level;
  }
  if (kind != CustomerBody::kUpdate) {
    if (auto segment = in.string("segment", false, kMaxVocabularyName)) {
      check_vocabulary(in, "segment", *segment, "customer segment");
      check_known(in, "segment", *segment, segments);
      out.segment = *segment;
    }
  }
  if (kind == CustomerBody::kUpdate && level_reason) {
    *level_reason = in.string("level_reason", false, 2000).value_or("");
    if (out.level && level_reason->empty()) {
      in.add(in.pointer("level_reason"),
             "is required with level: say why the customer's level changes",
             problem_params("required"), ErrorCode::kMissingField);
    }
  }
}

void read_order_body(BodyReader& in, const nlohmann::json& body, bool id_in_body,
                     storage::OrderInput& out) {
  if (id_in_body) out.id = in.string("id", true, kMaxId).value_or("");
  out.customer_id = in.string("customer_id", false, kMaxId);
  if (const auto* items = array_member(in, body, "items", kMaxItems)) {
    std::vector<storage::OrderItem> read;
    for (size_t i = 0; i < items->size(); ++i) {
      BodyReader item((*items)[i], in.pointer("items") + "/" + std::to_string(i),
                      {"sku", "title", "quantity", "unit_price"});
      storage::OrderItem parsed;
      parsed.sku = item.string("sku", true, kMaxId).value_or("");
      parsed.title = item.string("title", false, kMaxRecordNameLength, true).value_or("");
      parsed.quantity = item.integer("quantity", false, 1, 100000).value_or(1);
      if (auto price = item.money("unit_price", false)) parsed.unit_price = *price;
      in.merge(item);
      read.push_back(std::move(parsed));
    }
    out.items = std::move(read);
  }
  out.paid = in.money("paid", false);
  out.paid_at = in.instant("paid_at", false);
  if (auto address = body.find("shipping_address"); address != body.end()) {
    if (auto read = read_address(in, *address, in.pointer("shipping_address"))) {
      out.shipping_address = std::move(*read);
    }
  }
  out.carrier = in.string("carrier", false, kMaxShortText, true);
  out.tracking_number = in.string("tracking_number", false, kMaxShortText, true);
  if (auto status = in.string("status", false, 32)) {
    if (std::find(kOrderStatuses.begin(), kOrderStatuses.end(), *status) == kOrderStatuses.end()) {
      in.add(in.pointer("status"), "is not an order status",
             problem_params("not_one_of", {{"allowed", kOrderStatuses}}));
    } else {
      out.status = *status;
    }
  }
  out.refunded_outside = in.money("refunded", false);
  if (out.paid && out.paid->amount < 0) {
    in.add(in.pointer("paid"), "must not be negative", problem_params("amount_negative"));
  }
  if (out.refunded_outside && out.refunded_outside->amount < 0) {
    in.add(in.pointer("refunded"), "must not be negative", problem_params("amount_negative"));
  }
  if (out.paid && out.refunded_outside && out.paid->currency != out.refunded_outside->currency) {
    in.add(in.pointer("refunded"), "must be in the order's currency, " + out.paid->currency,
           problem_params("order_currency", {{"expected_currency", out.paid->currency}}),
           ErrorCode::kCurrencyMismatch);
  }
}

nlohmann::json customer_json(const storage::CustomerRecord& c) {
  nlohmann::json contacts = nlohmann::json::object();
  if (!c.contacts.phone.empty()) contacts["phone"] = mask_phone(c.contacts.phone);
  if (!c.contacts.email.empty()) contacts["email"] = mask_email(c.contacts.email);
  if (!c.contacts.chat_id.empty()) contacts["chat_id"] = mask_chat_id(c.contacts.chat_id);
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& address : c.addresses) {
    nlohmann::json shown = nlohmann::json::object();
    for (const char* key : {"label", "region", "city", "country"}) {
      if (address.contains(key)) shown[key] = address[key];
    }
    addresses.push_back(std::move(shown));
  }
  auto optional_text = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  return {{"id", c.id},
          {"name", c.name},
          {"contacts", std::move(contacts)},
          {"contacts_masked", true},
          {"addresses", std::move(addresses)},
          {"tags", c.tags},
          {"level", optional_text(c.level)},
          {"segment", optional_text(c.segment)},
          {"rfm", c.rfm.empty() ? nlohmann::json(nullptr) : c.rfm},
          {"merged_into", optional_text(c.merged_into)},
          {"erased_at", time_or_null(c.erased_at)},
          {"created_at", format_rfc3339(c.created_at)},
          {"updated_at", format_rfc3339(c.updated_at)}};
}

nlohmann::json customer_contacts_json(const storage::CustomerRecord& c) {
  nlohmann::json contacts = nlohmann::json::object();
  if (!c.contacts.phone.empty()) contacts["phone"] = c.contacts.phone;
  if (!c.contacts.email.empty()) contacts["email"] = c.contacts.email;
  if (!c.contacts.chat_id.empty()) contacts["chat_id"] = c.contacts.chat_id;
  return {{"customer_id", c.id}, {"contacts", std::move(contacts)}, {"addresses", c.addresses}};
}

nlohmann::json order_json(const storage::OrderRecord& o, bool full) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : o.items) {
    items.push_back(
        {{"sku", item.sku},
         {"title", item.title},
         {"quantity", item.quantity},
         {"unit_price", item.unit_price.currency.empty() ? nlohmann::json(nullptr)
                                                         : money_to_json(item.unit_price)}});
  }
  nlohmann::json address = nlohmann::json::object();
  if (full) {
    address = o.shipping_address;
  } else if (o.shipping_address.is_object()) {
    for (const char* key : {"region", "city", "country"}) {
      if (o.shipping_address.contains(key)) address[key] = o.shipping_address[key];
    }
  }
  auto optional_text = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  return {{"id", o.id},
          {"customer_id", optional_text(o.customer_id)},
          {"items", std::move(items)},
          {"paid", money_to_json(o.paid)},
          {"paid_at", time_or_null(o.paid_at)},
          {"shipping_address", std::move(address)},
          {"carrier", optional_text(o.carrier)},
          {"tracking_number", optional_text(o.tracking_number)},
          {"status", optional_text(o.status)},
          {"refunded", money_to_json(o.refunded_outside)},
          {"created_at", format_rfc3339(o.created_at)},
          {"updated_at", format_rfc3339(o.updated_at)}};
}

}  // namespace redress::api
