#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "common/error.h"
#include "os/netns.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using testing::unique_ns_name;

TEST(Netns, CreateNamedIsIdempotentAndRemoveDropsTheName) {
    const std::string name = unique_ns_name("idem");
    struct Cleanup {
        std::string name;
        ~Cleanup() { Netns::remove_named(name); }
    } cleanup{name};

    Netns first = Netns::create_named(name);
    EXPECT_TRUE(Netns::named_exists(name));
    Netns again = Netns::create_named(name);  // like a second `ip netns add`, but not an error
    EXPECT_TRUE(first.same_as(again));
    EXPECT_TRUE(first.same_as(Netns::open_named(name)));
    EXPECT_FALSE(first.same_as(Netns::current()));

    Netns::remove_named(name);
    EXPECT_FALSE(Netns::named_exists(name));
    EXPECT_NO_THROW(Netns::remove_named(name));  // absent: no-op
    EXPECT_THROW(Netns::open_named(name), SystemError);
}

TEST(Netns, AnonymousNamespaceIsDistinctAndEnterable) {
    Netns host = Netns::current();
    Netns anon = Netns::create_anonymous();
    EXPECT_FALSE(anon.same_as(host));
    {
        NetnsScope scope(anon);
        EXPECT_TRUE(Netns::current().same_as(anon));
        // A thread started in here inherits this thread's namespace.
        bool child_in_anon = false;
        std::thread([&] { child_in_anon = Netns::current().same_as(anon); }).join();
        EXPECT_TRUE(child_in_anon);
    }
    EXPECT_TRUE(Netns::current().same_as(host));
}

TEST(Netns, ScopeMovesOnlyTheCallingThread) {
    Netns host = Netns::current();
    Netns anon = Netns::create_anonymous();
    std::promise<void> entered;
    std::promise<bool> other_in_host;
    std::thread other([&] {
        entered.get_future().wait();
        other_in_host.set_value(Netns::current().same_as(host));
    });
    {
        NetnsScope scope(anon);
        entered.set_value();
        EXPECT_TRUE(other_in_host.get_future().get());
        EXPECT_TRUE(Netns::current().same_as(anon));
    }
    other.join();
}

TEST(Netns, ScopeRestoresOnException) {
    Netns host = Netns::current();
    Netns anon = Netns::create_anonymous();
    try {
        NetnsScope scope(anon);
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    EXPECT_TRUE(Netns::current().same_as(host));
}

TEST(Netns, RejectsBadNames) {
    EXPECT_THROW(Netns::create_named("a/b"), ConfigError);
    EXPECT_THROW(Netns::create_named(""), ConfigError);
    EXPECT_THROW(Netns::open_named(".."), ConfigError);
}

}  // namespace
}  // namespace nf::os
