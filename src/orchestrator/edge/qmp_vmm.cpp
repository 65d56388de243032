#include "orchestrator/edge/edge.h"

namespace nf::orchestrator::edge {

QmpVmm::QmpVmm(const QmpAddress& address, Millis connect_timeout, Millis command_timeout)
    : command_timeout_(command_timeout) {
    try {
        client_.emplace(address.kind == QmpAddress::Kind::Unix
                            ? qmp::QmpClient::connect(address.path, connect_timeout)
                            : qmp::QmpClient::connect_tcp(address.host, address.port, connect_timeout));
        client_->negotiate(command_timeout);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot reach " + address.text + ": " + e.what());
    }
}

QmpReply QmpVmm::execute(const std::string& command, const nlohmann::json& arguments) {
    auto result = client_->execute(command, arguments, command_timeout_);
    if (auto* error = std::get_if<qmp::QmpError>(&result)) return QmpReply::failure(error->error_class, error->desc);
    return QmpReply::success(std::get<nlohmann::json>(std::move(result)));
}

std::optional<QmpEvent> QmpVmm::next_event(Millis timeout) {
    auto event = client_->next_event(timeout);
    if (!event) return std::nullopt;
    return QmpEvent{event->name, event->data, event->seconds * 1'000'000 + event->microseconds};
}

}  // namespace nf::orchestrator::edge
