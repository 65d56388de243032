// Rollback: the one undo list (datapath constructors, slave registration).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "common/rollback.h"

namespace nf {
namespace {

TEST(Rollback, UndoesNewestFirstWhenTheChangeIsNotCommitted) {
    std::string order;
    {
        Rollback rollback;
        rollback.push([&] { order += "1"; });
        rollback.push([&] { order += "2"; });
        rollback.push([&] { order += "3"; });
    }
    EXPECT_EQ(order, "321");
}

TEST(Rollback, ACommittedChangeIsKept) {
    std::string order;
    {
        Rollback rollback;
        rollback.push([&] { order += "1"; });
        rollback.commit();
        rollback.push([&] { order += "2"; });  // a later step of its own
    }
    EXPECT_EQ(order, "2");
}

TEST(Rollback, AnUndoThatThrowsDoesNotStopTheOthers) {
    std::string order;
    Rollback rollback;
    rollback.push([&] { order += "1"; });
    rollback.push([] { throw std::runtime_error("device gone"); });
    rollback.push([&] { order += "3"; });
    rollback.run();
    EXPECT_EQ(order, "31");
    rollback.run();  // nothing left: a second run (or the destructor) undoes nothing twice
    EXPECT_EQ(order, "31");
}

}  // namespace
}  // namespace nf
