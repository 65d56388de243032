#pragma once
// The undo list of a multi-step change (a constructor that creates devices, pins, filters; a slave
// enslaved step by step): each step that changed something pushes its undo; unless commit() is called,
// the undos run newest first when the list goes out of scope. An undo that throws is logged and the
// rest still run: a failed start must leave nothing behind that was not there before.
#include <exception>
#include <functional>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace nf {

class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }

    void push(std::function<void()> undo) { undos_.push_back(std::move(undo)); }
    // The change is complete: nothing is undone.
    void commit() { undos_.clear(); }
    // Undo now, newest first.
    void run() noexcept {
        while (!undos_.empty()) {
            auto undo = std::move(undos_.back());
            undos_.pop_back();
            try {
                undo();
            } catch (const std::exception& e) {
                spdlog::warn("rollback: an undo step failed: {}", e.what());
            }
        }
    }

private:
    std::vector<std::function<void()>> undos_;
};

}  // namespace nf
