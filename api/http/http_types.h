// The HTTP message types every part of the server speaks (Boost.Beast, string bodies).
#pragma once

#include <boost/beast/http.hpp>

namespace redress::api {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

}  // namespace redress::api
