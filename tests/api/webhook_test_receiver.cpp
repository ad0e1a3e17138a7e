// Implementation of tests/api/webhook_test_receiver.h (see there). Not a test suite: the name
// must not end in _test.cpp.
#include "tests/api/webhook_test_receiver.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace redress::testing {

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) throw std::runtime_error("cannot make certificate extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// Base64 (RFC 4648, with padding) by OpenSSL's EVP block functions.
std::string base64_encode(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<size_t>(written) - padding);
  return out;
}

}  // namespace

std::string expected_signature(const std::string& secret, const std::string& webhook_id,
                               std::int64_t timestamp_seconds, const std::string& body) {
  const std::string prefix = "whsec_";
  if (secret.rfind(prefix, 0) != 0) return "";
  const auto key = base64_decode(secret.substr(prefix.size()));
  if (!key) return "";
  const std::string signed_text = webhook_id + "." + std::to_string(timestamp_seconds) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
            reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac,
            &mac_size)) {
    return "";
  }
  return "v1," + base64_encode(mac, mac_size);
}

bool WebhookTestReceiver::Request::signed_with(const std::string& secret) const {
  const auto timestamp = header("webhook-timestamp");
  if (timestamp.empty()) return false;
  const auto expected =
      expected_signature(secret, header("webhook-id"), std::stoll(timestamp), body);
  if (expected.empty()) return false;
  const auto signatures = header("webhook-signature");
  size_t from = 0;
  while (from <= signatures.size()) {
    const auto space = std::min(signatures.find(' ', from), signatures.size());
    if (signatures.compare(from, space - from, expected) == 0) return true;
    from = space + 1;
  }
  return false;
}

TestCertificate make_self_signed_certificate() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("cannot make a test key");
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[8];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  std::uint64_t serial = 0;
  for (unsigned char b : serial_bytes) serial = (serial << 8) | b;
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the test certificate");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return TestCertificate{bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

class WebhookTestReceiver::Impl {
 public:
  explicit Impl(std::optional<TestCertificate> tls) : acceptor_(io_) {
    namespace asio = boost::asio;
    if (tls) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(tls->cert_pem));
      tls_->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
    }
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& session : hanging_) session->close();
      hanging_.clear();
      io_.stop();  // sessions still reading are abandoned with the io_context
    });
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  unsigned short port() const { return port_; }

  void push_reply(Reply reply) {
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(reply));
  }
  void set_default_reply(Reply reply) {
    std::lock_guard lock(mutex_);
    default_reply_ = std::move(reply);
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Impl& owner, boost::asio::ip::tcp::socket socket) : owner_(owner) {
      if (owner_.tls_) {
        secure_.emplace(std::move(socket), *owner_.tls_);
      } else {
        plain_.emplace(std::move(socket));
      }
    }

    void run() {
      auto self = shared_from_this();
      tcp().expires_after(std::chrono::seconds(30));
      if (secure_) {
        secure_->async_handshake(boost::asio::ssl::stream_base::server,
                                 [self](boost::beast::error_code ec) {
                                   if (!ec) self->read();
                                 });
      } else {
        read();
      }
    }

    void close() {
      boost::beast::error_code ignored;
      tcp().socket().close(ignored);
    }

   private:
    boost::beast::tcp_stream& tcp() { return secure_ ? secure_->next_layer() : *plain_; }

    template <typename F>
    void with_stream(F&& f) {
      if (secure_) {
        f(*secure_);
      } else {
        f(*plain_);
      }
    }

    void read() {
      with_stream([this](auto& stream) {
        boost::beast::http::async_read(
            stream, buffer_, request_,
            [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
              if (!ec) self->answer();
            });
      });
    }

    void answer() {
      Request recorded;
      recorded.method = std::string(request_.method_string());
      recorded.target = std::string(request_.target());
      for (const auto& field : request_) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        recorded.headers[name] = std::string(field.value());
      }
      recorded.body = request_.body();
      Reply reply;
      {
        std::lock_guard lock(owner_.mutex_);
        owner_.requests_.push_back(std::move(recorded));
        if (!owner_.replies_.empty()) {
          reply = std::move(owner_.replies_.front());
          owner_.replies_.pop_front();
        } else {
          reply = owner_.default_reply_;
        }
      }
      if (reply.hang) {
        tcp().expires_never();
        owner_.hanging_.push_back(shared_from_this());  // on the receiver's only thread
        return;
      }
      response_.result(static_cast<unsigned>(reply.status));
      response_.version(11);
      for (const auto& [name, value] : reply.headers) response_.set(name, value);
      response_.set(boost::beast::http::field::connection, "close");
      response_.body() = reply.body;
      response_.prepare_payload();
      with_stream([this](auto& stream) {
        boost::beast::http::async_write(
            stream, response_,
            [self = shared_from_this()](boost::beast::error_code, std::size_t) { self->close(); });
      });
    }

    Impl& owner_;
    std::optional<boost::beast::tcp_stream> plain_;
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
    boost::beast::flat_buffer buffer_;
    boost::beast::http::request<boost::beast::http::string_body> request_;
    boost::beast::http::response<boost::beast::http::string_body> response_;
  };

  void accept() {
    acceptor_.async_accept(
        [this](boost::beast::error_code ec, boost::asio::ip::tcp::socket socket) {
          if (ec) return;  // closed
          std::make_shared<Session>(*this, std::move(socket))->run();
          accept();
        });
  }

  boost::asio::io_context io_;  // first: destroyed last, after every object using it
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<Session>> hanging_;  // used on the receiver's thread only
  unsigned short port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::deque<Reply> replies_;
  Reply default_reply_;
};

WebhookTestReceiver::WebhookTestReceiver(std::optional<TestCertificate> tls)
    : impl_(std::make_unique<Impl>(std::move(tls))) {}
WebhookTestReceiver::~WebhookTestReceiver() = default;

std::string WebhookTestReceiver::url(const std::string& path) const {
  return impl_->url(path);
}
unsigned short WebhookTestReceiver::port() const {
  return impl_->port();
}
void WebhookTestReceiver::push_reply(Reply reply) {
  impl_->push_reply(std::move(reply));
}
void WebhookTestReceiver::set_default_reply(Reply reply) {
  impl_->set_default_reply(std::move(reply));
}
std::vector<WebhookTestReceiver::Request> WebhookTestReceiver::requests() const {
  return impl_->requests();
}
size_t WebhookTestReceiver::request_count() const {
  return impl_->request_count();
}

}  // namespace redress::testing
