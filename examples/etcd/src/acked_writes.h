// The writes etcd acknowledged during a timeline, kept in a volume that every client shares, so
// that the eventually_ and finally_ commands can check each one is still there.
#ifndef FAULTLINE_EXAMPLES_ETCD_ACKED_WRITES_H_
#define FAULTLINE_EXAMPLES_ETCD_ACKED_WRITES_H_

#include <string>
#include <utility>
#include <vector>

namespace etcd_example {

// Appends one acknowledged write (one line, one write(2), so concurrent drivers never mix).
void record_acked_write(const std::string& key, const std::string& value);

// Every acknowledged write of the timeline, from every client.
std::vector<std::pair<std::string, std::string>> acked_writes();

}  // namespace etcd_example

#endif  // FAULTLINE_EXAMPLES_ETCD_ACKED_WRITES_H_
