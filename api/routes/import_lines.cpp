#include "api/routes/import_lines.h"

#include <cctype>

#include "api/http/json_body.h"
#include "api/routes/record_input.h"
#include "engine/json_reader.h"
#include "engine/json_text.h"
#include "engine/utf8.h"

namespace redress::api {
namespace {

storage::ImportLine rejected(std::int64_t number, std::string reason, std::string detail,
                             std::string pointer = "") {
  storage::ImportLine line;
  line.number = number;
  line.problems.push_back(
      {0, number, "", std::move(pointer), std::move(reason), std::move(detail)});
  return line;
}

std::string reason_of(const FieldProblem& problem) {
  const auto reason = problem.params.find("reason");
  if (reason != problem.params.end() && reason->is_string()) return reason->get<std::string>();
  std::string code = error_code_name(problem.code);
  for (auto& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code;
}

}  // namespace

bool is_blank_import_line(std::string_view text) {
  return text.find_first_not_of(" \t") == std::string_view::npos;
}

storage::ImportLine oversized_import_line(std::int64_t number, std::uint64_t bytes) {
  return rejected(number, "line_too_long",
                  "the line is " + std::to_string(bytes) + " bytes long; a line may have at most " +
                      std::to_string(kMaxImportLineBytes));
}

storage::ImportLine read_import_line(storage::ImportKind kind, std::string_view text,
                                     std::int64_t number, const WorkflowCatalog& catalog) {
  if (text.size() > kMaxImportLineBytes) return oversized_import_line(number, text.size());
  if (!is_valid_utf8(text)) {
    return rejected(number, "invalid_utf8", "the line is not valid UTF-8");
  }
  auto parsed = parse_json_text(text);
  if (auto* error = std::get_if<JsonTextError>(&parsed)) {
    std::string detail = "the line cannot be read as JSON: " + error->reason;
    if (error->byte_offset) detail += " (at byte " + std::to_string(*error->byte_offset) + ")";
    return rejected(number, "malformed_json", std::move(detail));
  }
  const auto& json = std::get<nlohmann::json>(parsed);
  storage::ImportLine line;
  line.number = number;
  if (!json.is_object()) {
    return rejected(number, "wrong_type",
                    std::string("the line must be a JSON object, not ") + json_type_name(json));
  }
  std::string record_id;
  bool ok = false;
  std::vector<FieldProblem> problems;
  if (kind == storage::ImportKind::kCustomers) {
    BodyReader in(json, "", {"id", "name", "contacts", "addresses", "tags", "level", "segment"});
    storage::CustomerInput input;
    read_customer_body(in, json, CustomerBody::kCreate, catalog, input);
    record_id = input.id;
    ok = in.ok();
    if (ok) {
      line.customer = std::move(input);
    } else {
      problems = in.problem().errors;
    }
  } else {
    BodyReader in(json, "",
                  {"id", "customer_id", "items", "paid", "paid_at", "shipping_address", "carrier",
                   "tracking_number", "status", "refunded"});
    storage::OrderInput input;
    read_order_body(in, json, true, input);
    record_id = input.id;
    ok = in.ok();
    if (ok) {
      line.order = std::move(input);
    } else {
      problems = in.problem().errors;
    }
  }
  for (const auto& problem : problems) {
    line.problems.push_back(
        {0, number, record_id, problem.pointer, reason_of(problem), problem.message});
  }
  return line;
}

}  // namespace redress::api
