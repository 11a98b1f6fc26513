#include "in_force.h"

#include <stdexcept>

#include "faults/network.h"

namespace faultline::faults {
namespace {

bool is_network(FaultKind kind) { return std::string(type_of(kind)) == "network"; }

// A service stopped by a stop fault gets this long to end by itself before it is killed.
constexpr Duration kStopGrace{5000};

}  // namespace

FaultsInForce::FaultsInForce(env::Environment& environment) : environment_(environment) {}

FaultsInForce::~FaultsInForce() {
  while (!active_.empty()) end(active_.begin()->first);
}

std::vector<std::string> FaultsInForce::services() const {
  std::vector<std::string> names;
  for (const auto& [name, spec] : environment_.project().services) names.push_back(name);
  return names;
}

std::vector<Fault> FaultsInForce::faults() const {
  std::vector<Fault> out;
  for (const auto& [id, fault] : active_) out.push_back(fault);
  return out;
}

void FaultsInForce::apply_network(const std::vector<Fault>& faults) {
  environment_.set_network(network_conditions(faults, services()));
}

int FaultsInForce::start(const Fault& fault) {
  if (fault.nodes.empty()) throw std::runtime_error(std::string(to_string(fault.kind)) + ": no service named");
  const std::string& node = fault.nodes.front();
  const int id = ++next_id_;
  if (is_network(fault.kind)) {
    std::vector<Fault> with = faults();
    with.push_back(fault);
    apply_network(with);
  } else {
    switch (fault.kind) {
      case FaultKind::pause: environment_.pause(node); break;
      case FaultKind::kill: environment_.kill(node); break;
      case FaultKind::stop: environment_.stop(node, kStopGrace); break;
      case FaultKind::custom: {
        env::ExecRequest request;
        request.argv = {fault.program};
        programs_[id] = environment_.exec_logged(node, request, "fault-" + std::to_string(id) + "-" + fault.custom_name);
        break;
      }
      case FaultKind::clock: environment_.set_clock_offset(node, fault.clock_offset); break;
      default: break;
    }
  }
  active_[id] = fault;
  return id;
}

std::string FaultsInForce::end(int id) {
  const auto it = active_.find(id);
  if (it == active_.end()) return "";
  const Fault fault = it->second;
  active_.erase(it);
  const std::string& node = fault.nodes.front();
  try {
    if (is_network(fault.kind)) {
      apply_network(faults());
      return "";
    }
    switch (fault.kind) {
      case FaultKind::pause:
        if (environment_.status(node).paused) environment_.resume(node);
        break;
      case FaultKind::kill:
      case FaultKind::stop:
        if (environment_.status(node).state == env::ServiceState::exited) environment_.start(node);
        break;
      case FaultKind::clock:
        if (environment_.status(node).state != env::ServiceState::exited) environment_.set_clock_offset(node, Duration(0));
        break;
      case FaultKind::custom:
        if (const auto program = programs_.find(id); program != programs_.end()) {
          program->second->kill();
          program->second->wait_for(kStopGrace);
          programs_.erase(program);
        }
        break;
      default: break;
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string restart_and_wait(env::Environment& environment, const std::string& service, Duration timeout) {
  try {
    if (environment.status(service).state == env::ServiceState::exited) environment.start(service);
    if (!environment.wait_until_ready(service, timeout)) return service + " is not ready again";
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace faultline::faults
