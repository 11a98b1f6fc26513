// The event log and its schema: every subscriber sees every event in order, never under the log's
// lock; events read back leniently.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <tuple>
#include <thread>

#include "events/event_log.h"
#include "events/schema.h"
#include "subprocess.h"

namespace faultline::events {
namespace {

TEST(EventLog, EverySubscriberSeesEveryEventInOrder) {
  testing::TempDir dir;
  std::vector<int> a, b;
  {
    EventLog log(dir.path() / "events.jsonl");
    const auto sa = log.subscribe([&](const Json& e) { a.push_back(field<int>(e, "n")); });
    const auto sb = log.subscribe([&](const Json& e) { b.push_back(field<int>(e, "n")); });
    std::vector<std::thread> writers;
    std::atomic<int> next{0};
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&] {
        for (int i = 0; i < 250; ++i) log.write("tick", {{"n", next++}});
      });
    }
    for (auto& t : writers) t.join();
    log.flush();
    ASSERT_EQ(a.size(), 1000u);
    EXPECT_EQ(a, b);
  }
  // The file holds the same events, in the order the subscribers saw them.
  const std::vector<Json> read = read_events(dir.path() / "events.jsonl");
  ASSERT_EQ(read.size(), 1000u);
  for (size_t i = 0; i < read.size(); ++i) EXPECT_EQ(field<int>(read[i], "n"), a[i]);
}

TEST(EventLog, ASubscriberMayWriteAndItsEventComesAfter) {
  testing::TempDir dir;
  EventLog log(dir.path() / "events.jsonl");
  std::vector<std::string> seen;
  const auto s = log.subscribe([&](const Json& e) {
    seen.push_back(type_of(e));
    if (type_of(e) == "question") log.write("answer");  // would deadlock under the log's lock
  });
  log.write("question");
  log.write("other");
  log.flush();
  log.flush();  // the answer was written during the first delivery; flush again to see it delivered
  EXPECT_EQ(seen, (std::vector<std::string>{"question", "other", "answer"}));
}

TEST(EventLog, EndedSubscriptionSeesNothingMoreAndAFailingOneStopsNoOther) {
  testing::TempDir dir;
  EventLog log(dir.path() / "events.jsonl");
  int counted = 0, after = 0;
  auto failing = log.subscribe([](const Json&) { throw std::runtime_error("a subscriber's bug"); });
  const auto counting = log.subscribe([&](const Json&) { ++counted; });
  {
    const auto short_lived = log.subscribe([&](const Json&) { ++after; });
    log.write("one");
    log.flush();
  }
  log.write("two");
  log.flush();
  EXPECT_EQ(counted, 2);
  EXPECT_EQ(after, 1);
}

TEST(Schema, EventsWriteTheirFieldsAndReadBack) {
  CommandFinished finished;
  finished.timeline = 2;
  finished.invocation = 7;
  finished.command = "parallel_driver_x";
  finished.service = "client1";
  finished.status = 137;
  finished.killed_by_composer = true;
  const Json j = finished;
  EXPECT_EQ(j.at("status"), 137);
  EXPECT_EQ(j.at("killed_by_composer"), true);
  const auto back = read<CommandFinished>(j);
  EXPECT_EQ(back.invocation, 7);
  EXPECT_EQ(back.service, "client1");
  EXPECT_TRUE(back.killed_by_composer);

  // A Source's fields are written flat, as the report and users' tools read them.
  SdkLine line{3, {"commands/4/local.jsonl", "client2", 4, "first_x"}, {{"antithesis_setup", Json::object()}}};
  const Json l = line;
  EXPECT_EQ(l.at("service"), "client2");
  EXPECT_EQ(l.at("invocation"), 4);
  EXPECT_FALSE(l.contains("source"));
  EXPECT_EQ(read<SdkLine>(l).source.command, "first_x");
  EXPECT_EQ(Json(TemplateListed{1, "main", {"a"}}).at("template"), "main");
}

TEST(Schema, NoEventTypeHasAFieldTheLogWrites) {
  std::set<std::string> types;
  std::apply([&](auto... events) {
    const auto check = [&](auto e) {
      using Event = decltype(e);
      EXPECT_TRUE(types.insert(std::string(Event::kType)).second) << Event::kType << " twice";
      Event::visit(e, [&](std::string_view key, const auto&) {
        EXPECT_NE(key, "t") << Event::kType;
        EXPECT_NE(key, "type") << Event::kType;
      });
    };
    (check(events), ...);
  }, AllEvents{});
  EXPECT_EQ(types.size(), std::tuple_size_v<AllEvents>);
}

TEST(Schema, FieldsOfTheWrongTypeReadAsTheirDefault) {
  const Json wrong = {{"timeline", "one"}, {"status", 1e300}, {"command", 5}, {"timed_out", "yes"},
                      {"invocation", -3000000000LL}, {"duration_ms", {1, 2}}};
  const auto e = read<CommandFinished>(wrong);
  EXPECT_EQ(e.timeline, 0);
  EXPECT_EQ(e.status, -1);
  EXPECT_EQ(e.command, "");
  EXPECT_FALSE(e.timed_out);
  EXPECT_EQ(e.invocation, 0) << "out of int's range";
  EXPECT_EQ(e.duration_ms, 0);
  EXPECT_EQ(field<uint64_t>(Json{{"n", -1}}, "n", 9), 9u);
  EXPECT_EQ(field<int>(Json::array(), "n", 4), 4);
  EXPECT_EQ(read<TemplateListed>(Json{{"commands", {1, "a"}}}).commands.size(), 0u);
}

}  // namespace
}  // namespace faultline::events
