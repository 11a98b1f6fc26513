// Every assertion kind, through the C++ API, the C ABI and the drop-in header: each line a program
// writes is parsed and checked against the spec's table (docs/sdk.md, spec sections 3 and 4).
#include <gtest/gtest.h>

#include <string>

#include "sdk_lines.h"
#include "subprocess.h"

namespace faultline::testing {
namespace {

struct Expected {
  std::string id;
  std::string display_type;
  std::string assert_type;
  bool must_hit;
  uint64_t passes;
  uint64_t fails;
};

SdkLines run_program(const std::string& program) {
  TempDir dir;
  const auto out = dir.path() / "sdk.jsonl";
  EXPECT_EQ(run({program}, {{"ANTITHESIS_SDK_LOCAL_OUTPUT", out.string()},
                            {"ANTITHESIS_OUTPUT_DIR", ""}, {"FAULTLINE_SEED", "7"}}),
            0);
  return SdkLines(read_json_lines(out));
}

// Checks one property's catalog line, evaluation lines and counts.
void check_property(const SdkLines& lines, const Expected& want) {
  SCOPED_TRACE(want.id);
  ASSERT_TRUE(lines.by_id.count(want.id)) << "no line for this id";
  const Evaluations& e = lines.by_id.at(want.id);
  ASSERT_EQ(e.catalog.size(), 1u) << "declared once per id";
  const nlohmann::json& catalog = e.catalog[0];
  EXPECT_EQ(catalog["display_type"], want.display_type);
  EXPECT_EQ(catalog["assert_type"], want.assert_type);
  EXPECT_EQ(catalog["must_hit"], want.must_hit);
  EXPECT_EQ(catalog["message"], want.id);
  EXPECT_EQ(catalog["hit"], false);
  EXPECT_TRUE(catalog["location"]["file"].is_string());
  EXPECT_TRUE(catalog["location"]["begin_line"].get<int>() > 0);
  EXPECT_EQ(catalog["location"]["class"], "");
  EXPECT_TRUE(catalog.contains("details"));
  EXPECT_TRUE(catalog.contains("condition"));

  // The first pass and the first fail, nothing more.
  size_t true_lines = 0, false_lines = 0;
  for (const nlohmann::json& hit : e.hits) {
    EXPECT_EQ(hit["display_type"], want.display_type);
    EXPECT_EQ(hit["assert_type"], want.assert_type);
    EXPECT_EQ(hit["must_hit"], want.must_hit);
    EXPECT_EQ(hit["id"], want.id);
    EXPECT_TRUE(hit["details"].is_object());
    (hit["condition"].get<bool>() ? true_lines : false_lines)++;
  }
  EXPECT_EQ(true_lines, want.passes > 0 ? 1u : 0u);
  EXPECT_EQ(false_lines, want.fails > 0 ? 1u : 0u);
  EXPECT_EQ(e.passes, want.passes);
  EXPECT_EQ(e.fails, want.fails);
}

void check_header_first(const SdkLines& lines) {
  ASSERT_FALSE(lines.all.empty());
  const nlohmann::json& header = lines.all.front();
  ASSERT_TRUE(header.contains("antithesis_sdk")) << header;
  EXPECT_EQ(header["antithesis_sdk"]["protocol_version"], "1.1.0");
  EXPECT_EQ(header["antithesis_sdk"]["language"]["name"], "C++");
  EXPECT_TRUE(header["antithesis_sdk"]["language"]["version"].is_string());
  EXPECT_TRUE(header["antithesis_sdk"]["sdk_version"].is_string());
  EXPECT_EQ(lines.events.at("antithesis_sdk").size(), 1u);
}

// Every catalog line precedes the first line that main wrote.
void check_catalog_before_main(const SdkLines& lines) {
  const int main_started = lines.first_position.at("main_started");
  for (const auto& [id, e] : lines.by_id) {
    EXPECT_LT(e.catalog_position, main_started) << id << " was declared after main started";
  }
}

TEST(WireFormat, EveryCppAssertionKind) {
  const SdkLines lines = run_program(ASSERT_KINDS_PROGRAM);
  check_header_first(lines);
  check_catalog_before_main(lines);
  const Expected table[] = {
      {"Always passes", "Always", "always", true, 3, 0},
      {"Always fails once", "Always", "always", true, 2, 1},
      {"Always never reached", "Always", "always", true, 0, 0},
      {"AlwaysOrUnreachable never reached", "AlwaysOrUnreachable", "always", false, 0, 0},
      {"AlwaysOrUnreachable passes", "AlwaysOrUnreachable", "always", false, 1, 0},
      {"Sometimes true once in four", "Sometimes", "sometimes", true, 1, 3},
      {"Sometimes never true", "Sometimes", "sometimes", true, 0, 1},
      {"Reachable is reached", "Reachable", "reachability", true, 1, 0},
      {"Reachable never reached", "Reachable", "reachability", true, 0, 0},
      {"Unreachable is reached", "Unreachable", "reachability", false, 0, 1},
      {"Unreachable never reached", "Unreachable", "reachability", false, 0, 0},
      {"5 > 3", "Always", "always", true, 1, 0},
      {"3 >= 5", "Always", "always", true, 0, 1},
      {"3 < 5", "Always", "always", true, 1, 0},
      {"5 <= 5", "Always", "always", true, 1, 0},
      {"sometimes 3 > 5", "Sometimes", "sometimes", true, 0, 1},
      {"sometimes 5 >= 5", "Sometimes", "sometimes", true, 1, 0},
      {"sometimes 2.5 < 3.5", "Sometimes", "sometimes", true, 1, 0},
      {"sometimes 5 <= 3", "Sometimes", "sometimes", true, 0, 1},
      {"Some role is held", "Always", "always", true, 1, 0},
      {"Every role is held at once", "Sometimes", "sometimes", true, 0, 1},
      {"Details keep their shape", "Always", "always", true, 0, 1},
      {"Two call sites share this message", "Reachable", "reachability", true, 2, 0},
  };
  for (const Expected& want : table) check_property(lines, want);
  EXPECT_EQ(lines.by_id.size(), std::size(table)) << "an assertion nobody expected";

  // Catalog conditions as the official SDK writes them: true only for Reachable.
  EXPECT_EQ(lines.by_id.at("Reachable never reached").catalog[0]["condition"], true);
  EXPECT_EQ(lines.by_id.at("Unreachable never reached").catalog[0]["condition"], false);
  // Reaching an Unreachable writes condition false.
  EXPECT_EQ(lines.by_id.at("Unreachable is reached").hits.at(0)["condition"], false);

  // Details: user members, and the operands of numeric assertions.
  const auto details = [&](const std::string& id) { return lines.by_id.at(id).hits.at(0)["details"]; };
  for (const nlohmann::json& hit : lines.by_id.at("Always fails once").hits) {
    EXPECT_EQ(hit["details"]["i"], hit["condition"] == true ? 0 : 1) << "details of that evaluation";
  }
  EXPECT_EQ(details("Reachable is reached")["where"], "main");
  EXPECT_EQ(details("5 > 3")["left"], 5);
  EXPECT_EQ(details("5 > 3")["right"], 3);
  EXPECT_EQ(details("3 >= 5")["note"], "fails");
  EXPECT_EQ(details("3 >= 5")["left"], 3);
  EXPECT_EQ(details("sometimes 2.5 < 3.5")["left"], 2.5);
  EXPECT_EQ(details("Some role is held")["leader"], false);
  EXPECT_EQ(details("Some role is held")["follower"], true);
  EXPECT_EQ(details("Some role is held")["node"], 1);
  EXPECT_EQ(details("Every role is held at once")["follower"], true);
  const nlohmann::json shape = details("Details keep their shape");
  EXPECT_EQ(shape["text"], "quote \" backslash \\ newline \n tab \t unicode é");
  EXPECT_EQ(shape["negative"], -7);
  EXPECT_EQ(shape["big"], 18446744073709551615ULL);
  EXPECT_EQ(shape["real"], 0.25);
  EXPECT_TRUE(shape["none"].is_null());
  EXPECT_EQ(shape["list"], nlohmann::json({1, "two", false}));
  EXPECT_EQ(shape["nested"]["depth"], 2);

  ASSERT_EQ(lines.events.at("antithesis_setup").size(), 1u);
  EXPECT_EQ(lines.events.at("antithesis_setup")[0]["status"], "complete");
  EXPECT_EQ(lines.events.at("antithesis_setup")[0]["details"]["phase"], "assertions done");
  EXPECT_EQ(lines.events.at("custom_event")[0]["n"], 1);
}

TEST(WireFormat, CAbi) {
  const SdkLines lines = run_program(ASSERT_KINDS_C_PROGRAM);
  check_header_first(lines);
  check_catalog_before_main(lines);
  const Expected table[] = {
      {"C always fails on the fifth", "Always", "always", true, 4, 1},
      {"C sometimes true", "Sometimes", "sometimes", true, 1, 0},
      {"C reachable", "Reachable", "reachability", true, 1, 0},
      {"C unreachable never reached", "Unreachable", "reachability", false, 0, 0},
      {"C always-or-unreachable never reached", "AlwaysOrUnreachable", "always", false, 0, 0},
  };
  for (const Expected& want : table) check_property(lines, want);
  EXPECT_EQ(lines.by_id.size(), std::size(table));
  EXPECT_EQ(lines.by_id.at("C always fails on the fifth").hits.at(0)["details"]["limit"], 4);
  // Details that are not a JSON object are kept as text, not dropped.
  EXPECT_EQ(lines.by_id.at("C reachable").hits.at(0)["details"]["details"], "not json at all");
  EXPECT_EQ(lines.events.at("antithesis_setup").at(0)["details"]["from"], "C");
}

TEST(WireFormat, DropInHeaderForOfficialCode) {
  const SdkLines lines = run_program(DROPIN_PROGRAM);
  check_header_first(lines);
  check_catalog_before_main(lines);
  const Expected table[] = {
      {"Official: always", "Always", "always", true, 1, 0},
      {"Official: always or unreachable", "AlwaysOrUnreachable", "always", false, 1, 0},
      {"Official: sometimes", "Sometimes", "sometimes", true, 1, 0},
      {"Official: reachable", "Reachable", "reachability", true, 1, 0},
      {"Official: unreachable", "Unreachable", "reachability", false, 0, 0},
      {"Official: a > b", "Always", "always", true, 1, 0},
      {"Official: sometimes a < b", "Sometimes", "sometimes", true, 0, 1},
      {"Official: some of x, y", "Always", "always", true, 1, 0},
      {"Official: all of x, y", "Sometimes", "sometimes", true, 0, 1},
  };
  for (const Expected& want : table) check_property(lines, want);
  EXPECT_EQ(lines.by_id.size(), std::size(table));
  EXPECT_EQ(lines.events.at("main_started").at(0)["argc"], 1);
  const nlohmann::json setup = lines.events.at("antithesis_setup").at(0)["details"];
  EXPECT_EQ(setup["list"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(setup["nested"]["k"], "v");
  const nlohmann::json choices = lines.events.at("choices").at(0);
  EXPECT_TRUE(choices["host"] == "etcd0" || choices["host"] == "etcd1" || choices["host"] == "etcd2");
  EXPECT_GE(choices["n"].get<int>(), 1);
  EXPECT_LE(choices["n"].get<int>(), 100);
}

TEST(WireFormat, UnopenableOutputIsNotFatal) {
  TempDir dir;  // a directory cannot be opened for writing: the program must still run normally
  EXPECT_EQ(run({ASSERT_KINDS_PROGRAM}, {{"ANTITHESIS_SDK_LOCAL_OUTPUT", dir.path().string()}}), 0);
}

TEST(WireFormat, OutputDirGetsSdkJsonl) {
  TempDir dir;
  ASSERT_EQ(run({ASSERT_KINDS_PROGRAM}, {{"ANTITHESIS_SDK_LOCAL_OUTPUT", ""},
                                         {"ANTITHESIS_OUTPUT_DIR", dir.path().string()}}),
            0);
  const SdkLines lines(read_json_lines(dir.path() / "sdk.jsonl"));
  check_header_first(lines);
  EXPECT_EQ(lines.by_id.at("Always passes").passes, 3u);
}

TEST(WireFormat, AppendsRatherThanTruncates) {
  TempDir dir;
  const auto out = dir.path() / "shared.jsonl";
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(run({ASSERT_KINDS_PROGRAM}, {{"ANTITHESIS_SDK_LOCAL_OUTPUT", out.string()}}), 0);
  }
  const SdkLines lines(read_json_lines(out));
  EXPECT_EQ(lines.events.at("antithesis_sdk").size(), 2u) << "one header per process";
  EXPECT_EQ(lines.by_id.at("Always passes").catalog.size(), 2u) << "one catalog line per process";
}

}  // namespace
}  // namespace faultline::testing
