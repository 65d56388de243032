#pragma once
// An undo list: each step that changed a device pushes its undo; unless commit() is called, the undos run
// in reverse order when the list goes out of scope. Undos must not throw (they log instead).
#include <functional>
#include <utility>
#include <vector>

namespace nf::failover {

class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }

    void push(std::function<void()> undo) { undos_.push_back(std::move(undo)); }
    void commit() { undos_.clear(); }
    void run() {
        while (!undos_.empty()) {
            auto undo = std::move(undos_.back());
            undos_.pop_back();
            undo();
        }
    }

private:
    std::vector<std::function<void()>> undos_;
};

}  // namespace nf::failover
