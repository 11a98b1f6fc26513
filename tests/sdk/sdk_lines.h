// What one process wrote, sorted by kind, for the SDK tests.
#ifndef FAULTLINE_TESTS_SDK_SDK_LINES_H_
#define FAULTLINE_TESTS_SDK_SDK_LINES_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace faultline::testing {

struct Evaluations {
  std::vector<nlohmann::json> catalog;  // "hit": false lines
  std::vector<nlohmann::json> hits;     // "hit": true lines
  uint64_t passes = 0;                  // from the last faultline_counts line
  uint64_t fails = 0;
  int catalog_position = -1;  // line number of the first catalog line
};

struct SdkLines {
  std::vector<nlohmann::json> all;
  std::map<std::string, Evaluations> by_id;
  std::map<std::string, std::vector<nlohmann::json>> events;  // other kinds, by their key
  std::map<std::string, int> first_position;                  // first line number of each kind

  explicit SdkLines(std::vector<nlohmann::json> lines) : all(std::move(lines)) {
    for (int i = 0; i < static_cast<int>(all.size()); ++i) {
      const nlohmann::json& line = all[static_cast<size_t>(i)];
      if (!line.is_object() || line.size() != 1) continue;
      const std::string kind = line.begin().key();
      first_position.try_emplace(kind, i);
      const nlohmann::json& body = line.begin().value();
      if (kind == "antithesis_assert") {
        Evaluations& e = by_id[body.value("id", "")];
        if (body.value("hit", false)) {
          e.hits.push_back(body);
        } else {
          if (e.catalog.empty()) e.catalog_position = i;
          e.catalog.push_back(body);
        }
      } else if (kind == "faultline_counts") {
        Evaluations& e = by_id[body.value("id", "")];
        e.passes = body.value("passes", uint64_t{0});
        e.fails = body.value("fails", uint64_t{0});
      } else {
        events[kind].push_back(body);
      }
    }
  }
};

}  // namespace faultline::testing

#endif  // FAULTLINE_TESTS_SDK_SDK_LINES_H_
