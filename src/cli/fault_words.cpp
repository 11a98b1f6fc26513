#include "fault_words.h"

#include <algorithm>
#include <stdexcept>

#include "env/compose.h"

namespace faultline::cli {
namespace {

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) names.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return names;
}

void check_service(const std::string& name, const std::vector<std::string>& services) {
  if (std::find(services.begin(), services.end(), name) == services.end()) {
    throw std::invalid_argument("no service named \"" + name + "\"");
  }
}

int parse_percent(std::string text) {
  if (!text.empty() && text.back() == '%') text.pop_back();
  size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || value < 0 || value > 100) throw std::invalid_argument("expected a percentage, such as 30%");
  return value;
}

}  // namespace

uint64_t parse_bits_per_second(const std::string& text) {
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = text.substr(used);
  const std::pair<const char*, double> units[] = {{"bit", 1},        {"kbit", 1e3},     {"mbit", 1e6},  {"gbit", 1e9},
                                                  {"bps", 8},        {"kbps", 8e3},     {"mbps", 8e6},  {"gbps", 8e9}};
  for (const auto& [name, scale] : units) {
    if (unit == name && value > 0) return static_cast<uint64_t>(value * scale);
  }
  throw std::invalid_argument("expected a rate such as 1mbit, 500kbit or 100kbps, not \"" + text + "\"");
}

faults::Fault fault_from_words(const FaultWords& w, const std::vector<std::string>& services) {
  const std::string usage =
      "KIND SERVICE [VALUE]: partition S [--from A,B] [--one-way], clog S [--one-way], loss S 30% [--to B], "
      "latency S 100ms [--jitter 20ms], bandwidth S 1mbit, pause S, kill S, stop S";
  if (w.words.size() < 2) throw std::invalid_argument("env fault takes " + usage);
  const std::optional<faults::FaultKind> kind = faults::fault_kind(w.words[0]);
  if (!kind || *kind == faults::FaultKind::custom || *kind == faults::FaultKind::clock) {
    throw std::invalid_argument("unknown fault \"" + w.words[0] + "\"; env fault takes " + usage);
  }
  faults::Fault fault;
  fault.kind = *kind;
  const std::vector<std::string> nodes = split_names(w.words[1]);
  for (const std::string& n : nodes) check_service(n, services);
  fault.nodes = nodes;
  fault.one_way = w.one_way;
  const bool needs_value = fault.kind == faults::FaultKind::loss || fault.kind == faults::FaultKind::latency ||
                           fault.kind == faults::FaultKind::bandwidth;
  if (w.words.size() != (needs_value ? 3u : 2u)) throw std::invalid_argument(w.words[0] + " takes " + usage);
  std::vector<std::string> others;
  for (const std::string& s : services) {
    if (std::find(nodes.begin(), nodes.end(), s) == nodes.end()) others.push_back(s);
  }
  switch (fault.kind) {
    case faults::FaultKind::partition: {
      const std::vector<std::string> from = w.from.empty() ? others : split_names(w.from);
      for (const std::string& n : from) check_service(n, services);
      fault.shape = nodes.size() == 1 ? faults::PartitionShape::isolated : faults::PartitionShape::halves;
      fault.groups = {nodes, from};
      fault.nodes.insert(fault.nodes.end(), from.begin(), from.end());
      break;
    }
    case faults::FaultKind::loss:
      fault.percent = parse_percent(w.words[2]);
      if (!w.to.empty()) {
        check_service(w.to, services);
        fault.nodes.push_back(w.to);
      }
      break;
    case faults::FaultKind::latency:
      fault.latency = env::parse_duration(w.words[2], {}, "latency");
      fault.jitter = w.jitter.empty() ? env::Duration(0) : env::parse_duration(w.jitter, {}, "--jitter");
      break;
    case faults::FaultKind::bandwidth: fault.bits_per_second = parse_bits_per_second(w.words[2]); break;
    default: break;
  }
  return fault;
}

}  // namespace faultline::cli
