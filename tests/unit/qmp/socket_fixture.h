#pragma once
// A temp directory for sockets and a thread that runs a server's poll loop, so a blocking client can talk
// to it from the test thread. Server objects are only touched by the loop thread while it runs.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace nf::qmp::test {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "nf-qmp-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

class LoopThread {
public:
    explicit LoopThread(std::function<void()> iteration)
        : thread_([this, iteration = std::move(iteration)] {
              while (!stop_) iteration();
          }) {}
    ~LoopThread() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace nf::qmp::test
