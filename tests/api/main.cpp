// The API test module's entry point (Boost.Test, dynamically linked).
#define BOOST_TEST_MODULE redress_api
#include <boost/test/unit_test.hpp>
