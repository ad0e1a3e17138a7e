// The engine test module's entry point (Boost.Test, dynamically linked).
#define BOOST_TEST_MODULE redress_engine
#include <boost/test/unit_test.hpp>
