// A timeline's operation histories: every history.jsonl its processes wrote, merged by time and
// checked for linearizability against the model the template names (x-faultline: {model: ...}).
#ifndef FAULTLINE_SRC_RUN_HISTORY_CHECK_H_
#define FAULTLINE_SRC_RUN_HISTORY_CHECK_H_

#include <filesystem>
#include <optional>
#include <string>

#include "env/compose.h"
#include "events/schema.h"

namespace faultline::run {

struct HistoryCheck {
  std::string model;
  env::Duration timeout{60000};
};

// The project's history check (x-faultline.model, x-faultline.check_timeout), if it names a model.
// Throws env::ConfigError for a model that does not exist.
std::optional<HistoryCheck> history_check_of(const env::Project& project);

// Merges every history.jsonl under `sdk_dir` by time into `merged` and checks it.
events::HistoryChecked check_timeline_history(const std::filesystem::path& sdk_dir, const std::filesystem::path& merged,
                                             const HistoryCheck& how);

}  // namespace faultline::run

#endif  // FAULTLINE_SRC_RUN_HISTORY_CHECK_H_
