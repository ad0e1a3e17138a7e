// The storage test module's entry point (Boost.Test, dynamically linked).
#define BOOST_TEST_MODULE redress_storage
#include <boost/test/unit_test.hpp>
