// A failed history check as lanes per client, for report.html to draw: the operations around the
// minimal failing set, read back from the merged history in the run directory.
#ifndef FAULTLINE_SRC_REPORT_HISTORY_LANES_H_
#define FAULTLINE_SRC_REPORT_HISTORY_LANES_H_

#include <filesystem>
#include <nlohmann/json.hpp>

#include "events/schema.h"

namespace faultline::report {

// {"clients": [...], "operations": [{client, call, return, text, minimal, order, blocked}]} with
// call and return in ms since the history's first line (return null: outcome unknown), or null
// when the check did not fail or the history cannot be read. At most `max_operations` of them:
// the minimal set and those nearest to it in time.
nlohmann::json history_lanes(const std::filesystem::path& merged_history, const events::HistoryChecked& checked,
                             size_t max_operations = 400);

}  // namespace faultline::report

#endif  // FAULTLINE_SRC_REPORT_HISTORY_LANES_H_
