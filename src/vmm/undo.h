#pragma once
// A rollback step that runs unless dismissed: each create step of a backend sits next to its undo.
#include <functional>
#include <utility>

#include <spdlog/spdlog.h>

namespace nf::vmm {

class Undo {
public:
    explicit Undo(std::function<void()> step) : step_(std::move(step)) {}
    ~Undo() {
        if (!step_) return;
        try {
            step_();
        } catch (const std::exception& e) {
            spdlog::warn("rollback: {}", e.what());
        }
    }
    Undo(const Undo&) = delete;
    Undo& operator=(const Undo&) = delete;
    void dismiss() { step_ = nullptr; }

private:
    std::function<void()> step_;
};

}  // namespace nf::vmm
