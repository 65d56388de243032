#pragma once
// `failover-lab demo`: registered by main.cpp's kCommands (src/lab/demo does the work).
#include <CLI/CLI.hpp>

#include <functional>

namespace nf::lab::cli {

struct DemoCommand {
    CLI::App* app;
    std::function<int()> run;
};

DemoCommand register_demo_command(CLI::App& app);

}  // namespace nf::lab::cli
