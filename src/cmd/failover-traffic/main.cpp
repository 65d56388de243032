// failover-traffic: the lab's sequenced UDP stream as a command. One process per end: `recv` in one
// namespace, `send` in the other (`ip netns exec ...`). The lab itself uses the library in-process.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "interruptible.h"
#include "lab/traffic/traffic.h"
#include "send_log_file.h"

namespace nf::lab::cli {
namespace {

struct SendOptions {
    std::string to, bind, direction = "client-to-vm", log_file;
    double rate = 1000, duration = 5;
    std::size_t size = 64;
    std::uint32_t stream = 1;
    std::uint16_t path_tag = 0;
};

struct RecvOptions {
    std::string bind, path_label, json_file, svg_file, marks_file;
    std::vector<std::string> send_logs;
    double duration = 0;
    std::size_t capacity = 600'000;
};

int do_send(const SendOptions& options) {
    SenderConfig config;
    config.to = UdpAddress::parse(options.to);
    if (!options.bind.empty()) config.bind = UdpAddress::parse(options.bind);
    const auto direction = parse_direction(options.direction);
    if (!direction) throw ConfigError("--direction must be client-to-vm (c2v) or vm-to-client (v2c)");
    config.direction = *direction;
    config.rate = options.rate;
    config.duration_s = options.duration;
    config.datagram_size = options.size;
    config.stream_id = options.stream;
    config.path_tag = options.path_tag;

    Sender sender(config);
    spdlog::info("sending stream {} ({}) to {} at {} packets/s for {}", config.stream_id, to_string(config.direction),
                 config.to.to_string(), config.rate,
                 config.duration_s > 0 ? fmt::format("{} s", config.duration_s) : "ever (until interrupted)");
    run_interruptible([&](std::stop_token stop) { sender.run(stop); });

    const SenderStats stats = sender.stats();
    std::cout << "attempted " << stats.attempted << ", sent " << stats.sent << ", not sent " << stats.send_errors << '\n';
    for (const auto& [error, count] : stats.errors_by_errno)
        std::cout << "  " << (strerrorname_np(error) ? strerrorname_np(error) : std::to_string(error).c_str()) << " ("
                  << std::strerror(error) << "): " << count << '\n';
    if (stats.stopped_at_capacity) std::cout << "stopped early: the send log is full\n";
    if (!options.log_file.empty()) save_send_log(options.log_file, sender.key(), sender.log());
    return 0;
}

std::vector<Mark> load_marks(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError("cannot read the marks file '" + path + "'");
    try {
        std::vector<Mark> marks;
        for (const auto& item : nlohmann::json::parse(in)) {
            const std::string kind = item.value("kind", "event");
            if (kind != "phase" && kind != "event") throw ConfigError("marks file '" + path + "': kind must be phase or event");
            marks.push_back({item.at("time_ns").get<std::int64_t>(), item.at("label").get<std::string>(),
                             kind == "phase" ? MarkKind::Phase : MarkKind::Event});
        }
        return marks;
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError("marks file '" + path + "' is not a JSON array of {time_ns, label, kind}: " + e.what());
    }
}

void print_counters(const RecorderCounters& c) {
    std::cout << "datagrams " << c.datagrams << ", recorded " << c.accepted << ", malformed "
              << c.short_datagrams + c.bad_magic + c.bad_version + c.bad_direction << " (short " << c.short_datagrams
              << ", bad magic " << c.bad_magic << ", bad version " << c.bad_version << ", bad direction "
              << c.bad_direction << "), beyond capacity " << c.beyond_capacity << ", beyond stream limit "
              << c.beyond_streams << '\n';
}

int do_recv(const RecvOptions& options) {
    Recorder recorder({.capacity_per_stream = options.capacity});
    Receiver receiver(recorder, UdpAddress::parse(options.bind), options.path_label);
    spdlog::info("receiving on {} for {}", receiver.local_address().to_string(),
                 options.duration > 0 ? fmt::format("{} s", options.duration) : "ever (until interrupted)");
    std::optional<std::int64_t> until;
    if (options.duration > 0) until = monotonic_ns() + static_cast<std::int64_t>(options.duration * 1e9);
    run_interruptible([&](std::stop_token stop) { receiver.run(stop, until); });

    TrafficRun run;
    run.path_labels = recorder.path_labels();
    if (!options.marks_file.empty()) run.marks = load_marks(options.marks_file);
    std::vector<StreamKey> logged;
    for (const std::string& file : options.send_logs) {
        LoadedSendLog log = load_send_log(file);
        StreamTrace trace{log.key, std::move(log.sends), {}};
        const auto entries = recorder.entries(log.key);
        trace.receives.assign(entries.begin(), entries.begin() + std::min(entries.size(), trace.sends.size()));
        run.streams.push_back(std::move(trace));
        logged.push_back(log.key);
    }
    bool inferred = false;
    for (const StreamKey key : recorder.streams()) {
        if (std::find(logged.begin(), logged.end(), key) != logged.end()) continue;
        run.streams.push_back(infer_trace(key, recorder.entries(key)));
        inferred = true;
    }

    const Analysis analysis = analyze(run);
    std::cout << format_table(analysis);
    print_counters(recorder.counters());
    if (inferred)
        std::cout << "note: without --send-log, 'sent' counts up to the highest sequence received: loss at the very "
                     "end of a stream and send errors are not visible\n";
    if (!options.json_file.empty()) std::ofstream(options.json_file) << to_json(analysis).dump(2) << '\n';
    if (!options.svg_file.empty()) std::ofstream(options.svg_file) << render_timeline(run);
    return 0;
}

}  // namespace
}  // namespace nf::lab::cli

int main(int argc, char** argv) {
    using namespace nf::lab::cli;
    CLI::App app{
        "failover-traffic: a sequenced UDP stream at a fixed rate, and a receiver that records every packet's fate\n"
        "(delivered, lost, duplicated, reordered, latency) and prints a per-phase table.\n\n"
        "Run one end per namespace, e.g.:\n"
        "  ip netns exec vm     failover-traffic recv --bind 10.0.0.2:5001 --duration 6 --svg run.svg\n"
        "  ip netns exec client failover-traffic send --to 10.0.0.2:5001 --rate 1000 --duration 5 --log send.json\n"
        "Both ends must run on one machine: latency is CLOCK_MONOTONIC receive time minus send time.",
        "failover-traffic"};
    app.set_version_flag("--version", "failover-traffic (netfailover) " NF_VERSION);
    app.require_subcommand(1);
    std::string log_level;
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off (default: $NF_LOG_LEVEL or info)");

    SendOptions send;
    CLI::App* send_cmd = app.add_subcommand("send", "Send one stream at a fixed rate; print how many went out.");
    send_cmd->add_option("--to", send.to, "Destination a.b.c.d:port")->required();
    send_cmd->add_option("--bind", send.bind, "Source a.b.c.d:port (default: the kernel picks)");
    send_cmd->add_option("--rate", send.rate, "Packets per second")->capture_default_str();
    send_cmd->add_option("--duration", send.duration, "Seconds; 0 = until Ctrl-C")->capture_default_str();
    send_cmd->add_option("--size", send.size, "UDP payload bytes (32..9000)")->capture_default_str();
    send_cmd->add_option("--stream", send.stream, "Stream id, to tell streams apart at one receiver")->capture_default_str();
    send_cmd->add_option("--direction", send.direction, "client-to-vm (c2v) or vm-to-client (v2c)")->capture_default_str();
    send_cmd->add_option("--path-tag", send.path_tag, "A number carried in every packet, e.g. which port sent it");
    send_cmd->add_option("--log", send.log_file, "Write the send log (JSON) here, for `recv --send-log`");

    RecvOptions recv;
    CLI::App* recv_cmd = app.add_subcommand(
        "recv", "Receive streams, then print per-phase, per-direction loss, duplicates, reordering, latency, gaps.");
    recv_cmd->add_option("--bind", recv.bind, "Listen on a.b.c.d:port")->required();
    recv_cmd->add_option("--duration", recv.duration, "Seconds; 0 = until Ctrl-C")->capture_default_str();
    recv_cmd->add_option("--path-label", recv.path_label, "Label every packet received here (shown per path)");
    recv_cmd->add_option("--capacity", recv.capacity, "Sequence numbers kept per stream; later ones are counted only")
        ->capture_default_str();
    recv_cmd->add_option("--send-log", recv.send_logs, "A sender's --log file: exact sent/not-sent counts (repeatable)");
    recv_cmd->add_option("--marks", recv.marks_file,
                         "JSON array of {time_ns (CLOCK_MONOTONIC), label, kind: phase|event} to cut phases and mark events");
    recv_cmd->add_option("--json", recv.json_file, "Write the analysis as JSON here");
    recv_cmd->add_option("--svg", recv.svg_file, "Write the timeline SVG here");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11's own codes (100+) are not ours: --help/--version are 0, any usage error is 2 (the message
        // app.exit prints names the flag).
        if (e.get_exit_code() != 0 && !app.remaining().empty()) {
            // Name the argument CLI11 could not place (it would report a missing subcommand first).
            std::cerr << "failover-traffic: unknown argument " << app.remaining().front()
                      << " (see failover-traffic --help)\n";
            return 2;
        }
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        nf::init_logging("failover-traffic", log_level);
        if (*send_cmd) return do_send(send);
        return do_recv(recv);
    } catch (const nf::ConfigError& e) {
        std::cerr << "failover-traffic: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "failover-traffic: " << e.what() << '\n';
        return 1;
    }
}
