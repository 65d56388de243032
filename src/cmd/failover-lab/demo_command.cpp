#include "demo_command.h"

#include <iostream>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "lab/demo/demo.h"

namespace nf::lab::cli {
namespace {

// "moved-mbb,moved-mbb-trusted-vf,..." (demo::default_variants(), one list for the library and the CLI).
std::string default_variant_list() {
    std::string out;
    for (const auto& v : demo::default_variants()) out += (out.empty() ? "" : ",") + v.name;
    return out;
}

struct DemoArgs {
    std::string config_file;
    std::string out_dir = "out/demo";
    double rate = 1000;
    long phase_ms = 1500;
    std::string variants = default_variant_list();
    unsigned port = 47000;
};

std::vector<demo::Variant> parse_variants(const std::string& text) {
    std::vector<demo::Variant> out;
    std::stringstream in(text);
    std::string name;
    while (std::getline(in, name, ',')) {
        if (name.empty()) continue;
        if (name == "all") {
            for (const auto& v : demo::all_variants()) out.push_back(v);
            continue;
        }
        const auto variant = demo::find_variant(name);
        if (!variant) throw ConfigError("--variants: unknown variant '" + name + "' (known: " + demo::variant_names() + ", all)");
        out.push_back(*variant);
    }
    if (out.empty()) throw ConfigError("--variants: nothing to run");
    return out;
}

}  // namespace

DemoCommand register_demo_command(CLI::App& app) {
    auto* command = app.add_subcommand(
        "demo", "unplug and re-plug the VM's VF under a packet stream, per variant; tables, SVG timelines, report.json");
    auto args = std::make_shared<DemoArgs>();
    command->add_option("--config", args->config_file, "lab config (JSON); default: the built-in lab (prefix nfl)")
        ->check(CLI::ExistingFile);
    command->add_option("--out", args->out_dir, "output directory")->capture_default_str();
    command->add_option("--rate", args->rate, "packets per second, each direction")
        ->check(CLI::Range(1.0, 100000.0))
        ->capture_default_str();
    command->add_option("--phase-ms", args->phase_ms, "length of each phase, ms")
        ->check(CLI::Range(50L, 600000L))
        ->capture_default_str();
    command->add_option("--variants", args->variants,
                        "comma-separated: " + demo::variant_names() + ", or all")
        ->capture_default_str();
    command->add_option("--port", args->port, "UDP port of the stream")->check(CLI::Range(1u, 65535u))->capture_default_str();
    command->footer(demo::demo_help_footer());
    return {command, [args] {
        demo::DemoOptions options;
        options.config = args->config_file.empty() ? default_lab_config() : load_lab_config(args->config_file);
        options.out_dir = args->out_dir;
        options.variants = parse_variants(args->variants);
        options.scenario.rate = args->rate;
        options.scenario.phase = std::chrono::milliseconds(args->phase_ms);
        options.scenario.port = static_cast<std::uint16_t>(args->port);
        return demo::run_demo(std::move(options), std::cout, std::cerr);
    }};
}

}  // namespace nf::lab::cli
