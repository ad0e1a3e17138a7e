// WebhookTestReceiver: a webhook endpoint for tests — a small Beast HTTP or HTTPS server on
// 127.0.0.1 (ephemeral port), running on its own thread.
//
// It records every request (method, target, headers with lower-case names, body) and answers
// with a programmable sequence of replies: each push_reply() answers one request, in order;
// after them the default reply (200 unless set). A reply with `hang` reads the request and never
// answers (the connection stays open until the receiver is destroyed): a dead endpoint.
//
// make_self_signed_certificate() makes a fresh key and certificate at test time (OpenSSL's C
// API) for "localhost" and 127.0.0.1, usable both as the server's certificate and as the CA file
// a client trusts.
//
// expected_signature() and Request::signed_with() check the Standard Webhooks signature on their
// own, with OpenSSL's HMAC() and base64, from docs/api.md's description — never through the
// project's api/delivery/webhook_signature code: a mistake made alike in signing and checking
// would pass unseen if the test checked with the code under test.
//
// The implementation (Beast, Asio, OpenSSL) lives in webhook_test_receiver.cpp so that it is
// compiled once, not in every test file.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace redress::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// "v1," + base64(HMAC-SHA256(key, webhook_id + "." + timestamp + "." + body)), the key being the
// base64-decoded part of `secret` after "whsec_"; "" when the secret is not of that form.
std::string expected_signature(const std::string& secret, const std::string& webhook_id,
                               std::int64_t timestamp_seconds, const std::string& body);

// A self-signed P-256 certificate for CN=localhost, SAN DNS:localhost and IP:127.0.0.1, valid
// from an hour ago for a day; CA:TRUE so that it can be its own trust anchor.
TestCertificate make_self_signed_certificate();

class WebhookTestReceiver {
 public:
  struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool hang = false;  // never answer
  };

  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;

    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
    // Whether one of the space-separated entries of this request's webhook-signature header is
    // expected_signature(secret, its webhook-id, its webhook-timestamp, its body).
    bool signed_with(const std::string& secret) const;
  };

  // Plain HTTP, or HTTPS with `tls`'s certificate.
  explicit WebhookTestReceiver(std::optional<TestCertificate> tls = std::nullopt);
  ~WebhookTestReceiver();

  WebhookTestReceiver(const WebhookTestReceiver&) = delete;
  WebhookTestReceiver& operator=(const WebhookTestReceiver&) = delete;

  std::string url(const std::string& path = "/hook") const;
  unsigned short port() const;

  void push_reply(Reply reply);
  void set_default_reply(Reply reply);
  std::vector<Request> requests() const;
  size_t request_count() const;

 private:
  class Impl;  // the server: io_context, acceptor, sessions, its thread and what it recorded
  std::unique_ptr<Impl> impl_;
};

}  // namespace redress::testing
