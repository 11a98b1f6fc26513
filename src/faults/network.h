// Network faults as the backend's typed network conditions: every network fault in force at once,
// translated into one NetworkConditions, so that faults may overlap.
#ifndef FAULTLINE_SRC_FAULTS_NETWORK_H_
#define FAULTLINE_SRC_FAULTS_NETWORK_H_

#include <string>
#include <vector>

#include "env/backend.h"
#include "faults/fault.h"

namespace faultline::faults {

// The conditions of every network fault of `faults` (others are ignored); `services` are every
// service of the environment.
env::NetworkConditions network_conditions(const std::vector<Fault>& faults, const std::vector<std::string>& services);

}  // namespace faultline::faults

#endif  // FAULTLINE_SRC_FAULTS_NETWORK_H_
