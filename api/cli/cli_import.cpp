// redress import customers|orders FILE: sends a JSON Lines file to a running server as an import
// job, then follows the job to its end.
//
// The file is streamed from disk with its Content-Length (never read whole), with a progress bar
// on stderr; then the job is polled (GET /v1/imports/{id}) with a second bar until it is done or
// failed. The counts go to stdout with the first rejected lines. Exit codes: 0 every line applied
// (or unchanged), 1 lines were rejected or the job failed, 2 usage errors (a missing file, a bad
// URL), 3 the server could not be reached or refused the upload. The token (--token or
// REDRESS_TOKEN) is never printed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "api/cli/cli.h"

namespace redress::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitServer = 3;
constexpr size_t kUploadChunk = 256 * 1024;
constexpr int kErrorsShown = 10;

struct ServerUrl {
  std::string host;
  std::string port = "80";
  std::string base;  // a path prefix, without the trailing '/'
};

// http://HOST[:PORT][/PREFIX]; nullopt with `why` set otherwise.
std::optional<ServerUrl> parse_url(const std::string& url, std::string& why) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0) {
    why =
        "https is not spoken by this command; give the server's http:// address (behind a "
        "TLS proxy, its local address)";
    return std::nullopt;
  }
  if (url.rfind(scheme, 0) != 0) {
    why = "the URL must start with http://";
    return std::nullopt;
  }
  ServerUrl out;
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.base = rest.substr(slash);
  while (!out.base.empty() && out.base.back() == '/') out.base.pop_back();
  if (authority.empty()) {
    why = "the URL has no host";
    return std::nullopt;
  }
  std::string host = authority;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      why = "the URL's IPv6 address has no closing ']'";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        why = "unexpected text after the URL's host";
        return std::nullopt;
      }
      out.port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  }
  if (host.empty() || out.port.empty() || out.port.size() > 5 ||
      out.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(out.port) == 0 ||
      std::stoi(out.port) > 65535) {
    why = "the URL's host or port is not valid";
    return std::nullopt;
  }
  out.host = host;
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  if (bytes >= 1024ULL * 1024 * 1024) {
    s << static_cast<double>(bytes) / (1024.0 * 1024 * 1024) << " GiB";
  } else if (bytes >= 1024 * 1024) {
    s << static_cast<double>(bytes) / (1024.0 * 1024) << " MiB";
  } else {
    s << static_cast<double>(bytes) / 1024.0 << " KiB";
  }
  return s.str();
}

// One line of progress, redrawn in place on a terminal; on anything else printed only at 0%,
// every 25% and at the end, so a log is not flooded.
class ProgressBar {
 public:
  ProgressBar(std::ostream& err, std::string label)
      : err_(err), label_(std::move(label)), terminal_(isatty(STDERR_FILENO) != 0) {}

  void show(double fraction, const std::string& detail) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    const int percent = static_cast<int>(fraction * 100);
    if (!terminal_) {
      if (percent < next_logged_ && percent < 100) return;
      if (percent == 100 && done_) return;
      next_logged_ = (percent / 25 + 1) * 25;
      done_ = percent == 100;
    }
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    err_ << (terminal_ ? "\r" : "") << label_ << " [" << bar << "] " << std::setw(3) << percent
         << "% " << detail << (terminal_ ? "\x1b[K" : "\n") << std::flush;
  }
  void end() {
    if (terminal_) err_ << "\n";
  }

 private:
  std::ostream& err_;
  std::string label_;
  bool terminal_;
  int next_logged_ = 0;
  bool done_ = false;
};

struct Answer {
  int status = 0;
  std::string body;
  std::string location;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  // The problem's detail, or the body.
  std::string detail() const {
    auto j = json();
    if (j.is_object() && j.contains("detail") && j["detail"].is_string()) {
      return j["detail"].get<std::string>();
    }
    return body.substr(0, 500);
  }
};

class Connection {
 public:
  explicit Connection(const ServerUrl& url) : url_(url), socket_(ioc_) {}

  // Empty on success, else why not.
  std::string connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return "cannot resolve " + url_.host + ": " + ec.message();
    net::connect(socket_, endpoints, ec);
    if (ec) return "cannot connect to " + url_.host + ":" + url_.port + ": " + ec.message();
    return "";
  }

  std::optional<Answer> read_answer(std::string& why) {
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    http::read(socket_, buffer_, parser, ec);
    if (ec) {
      why = "the server's answer could not be read: " + ec.message();
      return std::nullopt;
    }
    Answer a;
    a.status = static_cast<int>(parser.get().result_int());
    a.body = parser.get().body();
    a.location = std::string(parser.get()[http::field::location]);
    return a;
  }

  std::optional<Answer> get(const std::string& target, const std::string& token, std::string& why) {
    http::request<http::empty_body> request(http::verb::get, url_.base + target, 11);
    request.set(http::field::host, url_.host);
    request.set(http::field::authorization, "Bearer " + token);
    request.keep_alive(true);
    beast::error_code ec;
    http::write(socket_, request, ec);
    if (ec) {
      why = "the request could not be sent: " + ec.message();
      return std::nullopt;
    }
    return read_answer(why);
  }

  // Streams `file` (`size` bytes) as the body of a POST to `target`.
  std::optional<Answer> upload(const std::string& target, const std::string& token,
                               std::ifstream& file, std::uint64_t size, ProgressBar& bar,
                               std::string& why) {
    http::request<http::empty_body> request(http::verb::post, url_.base + target, 11);
    request.set(http::field::host, url_.host);
    request.set(http::field::authorization, "Bearer " + token);
    request.set(http::field::content_type, "application/x-ndjson");
    request.set(http::field::content_length, std::to_string(size));
    request.keep_alive(false);
    http::request_serializer<http::empty_body> serializer(request);
    beast::error_code ec;
    http::write_header(socket_, serializer, ec);
    if (ec) {
      why = "the upload could not start: " + ec.message();
      return std::nullopt;
    }
    std::vector<char> chunk(kUploadChunk);
    std::uint64_t sent = 0;
    const auto started = std::chrono::steady_clock::now();
    while (sent < size) {
      file.read(chunk.data(),
                static_cast<std::streamsize>(std::min<std::uint64_t>(chunk.size(), size - sent)));
      const auto got = static_cast<size_t>(file.gcount());
      if (got == 0) {
        why = "the file could not be read to its end (it shrank while being sent?)";
        return std::nullopt;
      }
      net::write(socket_, net::buffer(chunk.data(), got), ec);
      if (ec) {
        // The server may have answered already (a refused token, a file too large): show that.
        bar.end();
        std::string ignored;
        if (auto answer = read_answer(ignored)) return answer;
        why = "the upload was cut off after " + human_bytes(sent) + ": " + ec.message();
        return std::nullopt;
      }
      sent += got;
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      bar.show(static_cast<double>(sent) / static_cast<double>(size),
               human_bytes(sent) + " / " + human_bytes(size) +
                   (seconds > 0 ? "  " +
                                      human_bytes(static_cast<std::uint64_t>(
                                          static_cast<double>(sent) / seconds)) +
                                      "/s"
                                : ""));
    }
    bar.end();
    return read_answer(why);
  }

 private:
  ServerUrl url_;
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// What a refused request means, for a person.
std::string explain_refusal(const Answer& answer) {
  switch (answer.status) {
    case 401:
      return "the server refused the token (401): " + answer.detail();
    case 403:
      return "the token may not import (403): " + answer.detail();
    case 413:
      return "the file is larger than the server accepts (413): " + answer.detail();
    case 415:
      return "the server refused the file's type (415): " + answer.detail();
    default:
      return "the server answered " + std::to_string(answer.status) + ": " + answer.detail();
  }
}

}  // namespace

int run_import(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> positional;
  std::string url = "http://127.0.0.1:8080";
  if (const char* env = std::getenv("REDRESS_URL"); env != nullptr && *env != '\0') url = env;
  std::string token;
  if (const char* env = std::getenv("REDRESS_TOKEN"); env != nullptr) token = env;
  std::chrono::milliseconds poll_interval{500};
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--url" || a == "--token" || a == "--poll-ms") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        err << "redress import: " << a << " needs a value\nusage: " << kImportUsage << "\n";
        return kExitUsage;
      }
      const auto& value = args[++i];
      if (a == "--url") {
        url = value;
      } else if (a == "--token") {
        token = value;
      } else {
        const int ms = std::atoi(value.c_str());
        if (ms < 10 || ms > 60000) {
          err << "redress import: --poll-ms must be 10 to 60000\n";
          return kExitUsage;
        }
        poll_interval = std::chrono::milliseconds(ms);
      }
    } else if (!a.empty() && a[0] == '-') {
      err << "redress import: unknown option '" << a << "'\nusage: " << kImportUsage << "\n";
      return kExitUsage;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    err << "redress import: "
        << (positional.size() < 2 ? "give what to import and the file"
                                  : "unexpected argument '" + positional[2] + "'")
        << "\nusage: " << kImportUsage << "\n";
    return kExitUsage;
  }
  const std::string kind = positional[0];
  const std::string path = positional[1];
  if (kind != "customers" && kind != "orders") {
    err << "redress import: what to import must be customers or orders, not '" << kind
        << "'\nusage: " << kImportUsage << "\n";
    return kExitUsage;
  }
  if (token.empty()) {
    err << "redress import: no token: give --token TOKEN or set REDRESS_TOKEN\n";
    return kExitUsage;
  }
  std::string why;
  auto server = parse_url(url, why);
  if (!server) {
    err << "redress import: bad URL '" << url << "': " << why << "\n";
    return kExitUsage;
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    err << "redress import: " << path << ": no such file\n";
    return kExitUsage;
  }
  if (!std::filesystem::is_regular_file(status)) {
    err << "redress import: " << path << ": not a regular file\n";
    return kExitUsage;
  }
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream file(path, std::ios::binary);
  if (ec || !file) {
    err << "redress import: " << path << ": cannot be read\n";
    return kExitUsage;
  }
  if (size == 0) {
    err << "redress import: " << path << " is empty\n";
    return kExitUsage;
  }

  Connection upload_connection(*server);
  if (auto failed = upload_connection.connect(); !failed.empty()) {
    err << "redress import: " << failed << "\n";
    return kExitServer;
  }
  ProgressBar upload_bar(err, "upload");
  auto answer = upload_connection.upload("/v1/imports/" + kind, token, file, size, upload_bar, why);
  if (!answer) {
    err << "redress import: " << why << "\n";
    return kExitServer;
  }
  if (answer->status != 202) {
    err << "redress import: " << explain_refusal(*answer) << "\n";
    return kExitServer;
  }
  auto job = answer->json();
  const std::string job_id = job.value("id", std::string());
  if (job_id.empty()) {
    err << "redress import: the server's answer names no job\n";
    return kExitServer;
  }
  err << "import job " << job_id << " queued (" << human_bytes(size) << ", sha256 "
      << job.value("sha256", std::string()) << ")\n";

  auto poll = std::make_unique<Connection>(*server);
  if (auto failed = poll->connect(); !failed.empty()) {
    err << "redress import: " << failed << "\n";
    return kExitServer;
  }
  ProgressBar job_bar(err, "import");
  for (;;) {
    auto read = poll->get("/v1/imports/" + job_id, token, why);
    if (!read) {
      // The server closed the keep-alive connection: one fresh attempt.
      poll = std::make_unique<Connection>(*server);
      if (auto failed = poll->connect(); !failed.empty()) {
        err << "\nredress import: " << failed << " (the job " << job_id
            << " goes on on the server)\n";
        return kExitServer;
      }
      read = poll->get("/v1/imports/" + job_id, token, why);
      if (!read) {
        err << "\nredress import: " << why << "\n";
        return kExitServer;
      }
    }
    if (read->status != 200) {
      err << "\nredress import: " << explain_refusal(*read) << "\n";
      return kExitServer;
    }
    job = read->json();
    if (!job.is_object()) {
      err << "\nredress import: the server's answer is not a job\n";
      return kExitServer;
    }
    const auto counts = job.value("counts", nlohmann::json::object());
    const std::string state = job.value("state", std::string());
    job_bar.show(job.value("progress", nlohmann::json::object()).value("fraction", 0.0),
                 std::to_string(counts.value("lines", 0)) + " lines, " +
                     std::to_string(counts.value("rejected", 0)) + " rejected");
    if (state == "done" || state == "failed") break;
    std::this_thread::sleep_for(poll_interval);
  }
  job_bar.end();
  const auto counts = job.value("counts", nlohmann::json::object());
  out << "import " << job_id << " " << job.value("state", std::string()) << ": "
      << counts.value("lines", 0) << " lines, " << counts.value("created", 0) << " created, "
      << counts.value("updated", 0) << " updated, " << counts.value("unchanged", 0)
      << " unchanged, " << counts.value("rejected", 0) << " rejected\n";
  if (job.value("state", std::string()) == "failed" && job["failure"].is_string()) {
    out << "the job failed: " << job["failure"].get<std::string>() << "\n";
  }
  const auto rejected = counts.value("rejected", std::int64_t{0});
  if (rejected > 0) {
    auto errors = poll->get(
        "/v1/imports/" + job_id + "/errors?page_size=" + std::to_string(kErrorsShown), token, why);
    if (errors && errors->status == 200) {
      out << "first rejected lines:\n";
      for (const auto& e : errors->json().value("errors", nlohmann::json::array())) {
        out << "  line " << e.value("line", 0) << " " << e.value("pointer", std::string()) << " "
            << e.value("reason", std::string()) << ": " << e.value("detail", std::string()) << "\n";
      }
      if (rejected > kErrorsShown) {
        out << "  (all of them: GET /v1/imports/" << job_id << "/errors)\n";
      }
    }
  }
  return job.value("state", std::string()) == "done" && rejected == 0 ? 0 : kExitRejected;
}

}  // namespace redress::cli
