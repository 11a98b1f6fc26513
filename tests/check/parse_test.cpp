// The history readers: what each format's values become, the lines their errors name, and what a
// reader that takes shortcuts could get wrong: escapes, line breaks inside strings, very long
// lines, lines of unusual shape, values across the pieces a file is read in.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "check/parse.h"
#include "subprocess.h"

namespace faultline::check {
namespace {

namespace fs = std::filesystem;

// What parsing `text` throws as a ParseError: its message; "" when it parses.
std::string error_of(const std::string& text, Format format, const std::string& name = "h") {
  try {
    parse_history(text, format, name);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

Value list(std::vector<Value> items) { return Value{std::move(items)}; }
Value text(const std::string& s) { return Value{s}; }
Value integer(int64_t i) { return Value{i}; }

TEST(ParseEdn, StringEscapesAndLineBreaksInsideStrings) {
  const History history = parse_history(R"({:process 0 :type :invoke :f :put :key "a\"b" :value "one\ntwo\\ \tx"}
{:process 0 :type :ok :f :put :key "k" :value "first
second"}
{:process 1 :type :invoke :f :get})",
                                        Format::edn, "h");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].key, "a\"b");
  EXPECT_EQ(history[0].value, text("one\ntwo\\ \tx"));
  EXPECT_EQ(history[1].value, text("first\nsecond"));
  EXPECT_EQ(history[2].line, 4) << "the line break inside a string counts";
  EXPECT_EQ(error_of("{:process 0 :type :ok :value \"a\nb\n", Format::edn), "h:3: unclosed string");
}

TEST(ParseEdn, ValuesOfEveryKind) {
  const History history = parse_history(
      "{:process 2, :type :ok, :f :read, :key 5, ; a comment\n"
      " :value [1 -2 +3 4N nil true \"s\" :kw sym 1.5 #{7} (8) {:a 1} #_99 []]}\n"
      "{:process 2 :type :invoke :f :read :key nil :value #_ignored 6}",
      Format::edn, "h");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].key, "5");
  EXPECT_EQ(history[0].value, list({integer(1), integer(-2), integer(3), integer(4), Value{}, integer(1), text("s"),
                                    text("kw"), text("sym"), text("1.5"), list({integer(7)}), list({integer(8)}),
                                    text("{map}"), list({})}));
  EXPECT_EQ(history[1].key, "") << "a nil key is the empty key";
  EXPECT_EQ(history[1].value, integer(6));
}

TEST(ParseEdn, NonClientEventsAreSkippedAndOtherKeysIgnored) {
  const History history = parse_history(
      "[{:process :nemesis :type :info :f :start :value nil}\n"
      " {:index 3 :time 1500 :process 0 :type :invoke :f :read \"process\" 9 :extra {:nested [1 2]}}]",
      Format::edn, "h");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].process, 0);
  EXPECT_EQ(history[0].line, 2);
}

TEST(ParseEdn, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(error_of("{:process 0 :type :invoke :f :read}\n\n{:process 0\n :f :read}", Format::edn),
            "h:3: an operation without :type");
  EXPECT_EQ(error_of("{:process 99999999999999999999 :type :ok}", Format::edn), "h:1: bad number 99999999999999999999");
  EXPECT_EQ(error_of("[{:process 0 :type :bogus}\n 5]", Format::edn), "h:1: unknown :type :bogus")
      << "the first error of a collection's operations";
  EXPECT_EQ(error_of("[{:process 0 :type :bogus}\n{:process 1 :type :ok]", Format::edn), "h:2: unexpected ']'")
      << "a collection that is not EDN is reported as such, before its operations' errors";
  EXPECT_EQ(error_of("{:process 0 :type :ok :f}", Format::edn), "h:1: a map needs a value for every key");
  EXPECT_EQ(error_of("{:process 0 :type :ok} #_", Format::edn), "h:1: unexpected end of input");
  EXPECT_EQ(error_of("{:process 0 :type :ok", Format::edn), "h:1: missing '}'");
  EXPECT_EQ(error_of("{:process 0 :type :ok}\n:read", Format::edn), "h:2: expected a map of an operation");
  EXPECT_EQ(error_of("{:type :bogus}", Format::edn, "dir: with a colon/h.edn"), "dir: with a colon/h.edn:1: unknown :type :bogus");
  EXPECT_EQ(error_of("{:process 0}", Format::edn, "dir: with a colon/h.edn"), "dir: with a colon/h.edn:1: an operation without :type");
}

TEST(ParseEdn, VeryLongValues) {
  const std::string value(1 << 20, 'x');
  std::string items;
  for (int i = 0; i < 100000; ++i) items += std::to_string(i) + " ";
  const History history = parse_history("{:process 0 :type :invoke :f :append :value \"" + value + "\"}\n" +
                                            "{:process 0 :type :ok :f :read :value [" + items + "]}\n",
                                        Format::edn, "h");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].value, text(value));
  const auto& read = std::get<std::vector<Value>>(history[1].value.v);
  ASSERT_EQ(read.size(), 100000u);
  EXPECT_EQ(read.back(), integer(99999));
}

TEST(ParseJepsenLog, OperationsAmongOtherLogLines) {
  const History history = parse_history(
      "2017-03-02 10:00:00,000{GMT}\tINFO  [main] jepsen.core - Running test\n"
      "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - 3  :ok :cas [1 2] and what follows the value\r\n"
      "INFO  jepsen.util - 4\t:invoke\t:read\tnil",
      Format::jepsen_log, "h");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].line, 2);
  EXPECT_EQ(history[0].f, "cas");
  EXPECT_EQ(history[0].value, list({integer(1), integer(2)}));
  EXPECT_EQ(history[1].type, HistoryEvent::Type::ok);
  EXPECT_EQ(history[1].value, list({integer(1), integer(2)}));
  EXPECT_EQ(history[2].line, 5);
  EXPECT_TRUE(history[2].value.is_nil());
  EXPECT_EQ(error_of("INFO  jepsen.util - 0\t:ok\t:read\tnil\nINFO  jepsen.util - 3\t:ok\n", Format::jepsen_log),
            "h:2: expected <process> :<type> :<f> <value>");
  EXPECT_EQ(error_of("INFO  jepsen.util - 3\t:done\t:read\tnil\n", Format::jepsen_log), "h:1: unknown type :done");
}

// A line of faultline's format as the SDK writes it, with the given operation members.
std::string sdk_line(const std::string& members) { return "{\"faultline_history\":{" + members + "}}"; }

std::string lines(const std::vector<std::string>& each) {
  std::string text;
  for (const std::string& line : each) text += line + "\n";
  return text;
}

TEST(ParseFaultline, LinesAsTheSdkWritesThemAndOfAnyOtherShape) {
  const History history = parse_history(
      lines({sdk_line(R"("process":281474976710655,"type":"invoke","f":"put","time":12,"key":"k","value":"v")"),
             R"({"sdk":"faultline","version":1})", "",
             R"( { "faultline_history" : { "process" : -3 , "type" : "ok" , "f" : "put" } } )" "\r",
             sdk_line(R"("process":1,"type":"ok","f":"get","value":"a\"b\\c\nd\u00e9")"),
             sdk_line("\"process\":1,\"type\":\"ok\",\"f\":\"get\",\"value\":\"\xc3\xa9t\xc3\xa9\""),
             sdk_line(R"("process":1,"type":"ok","f":"read","value":[1,[true,false],null,"x",1.5,[]],"key":null)"),
             sdk_line(R"("process":1,"type":"ok","f":"read","key":7,"value":{"nested":1})"),
             sdk_line(R"("process":1,"type":"fail","type":"info","f":"put","f":"append")"),
             R"({"process":2,"type":"invoke","f":"get","key":"bare"})"}),
      Format::faultline, "h");
  ASSERT_EQ(history.size(), 8u);
  EXPECT_EQ(history[0].process, 281474976710655);
  EXPECT_EQ(history[0].key, "k");
  EXPECT_EQ(history[0].value, text("v"));
  EXPECT_EQ(history[1].line, 4) << "the header and the blank line are skipped, and counted";
  EXPECT_EQ(history[1].process, -3);
  EXPECT_FALSE(history[1].key.has_value());
  EXPECT_TRUE(history[1].value.is_nil());
  EXPECT_EQ(history[2].value, text("a\"b\\c\nd\xc3\xa9"));
  EXPECT_EQ(history[3].value, text("\xc3\xa9t\xc3\xa9"));
  EXPECT_EQ(history[4].value, list({integer(1), list({integer(1), integer(0)}), Value{}, text("x"), text("1.5"), list({})}));
  EXPECT_FALSE(history[4].key.has_value());
  EXPECT_EQ(history[5].key, "7");
  EXPECT_TRUE(history[5].value.is_nil());
  EXPECT_EQ(history[6].type, HistoryEvent::Type::info) << "a member given twice: the last one stands";
  EXPECT_EQ(history[6].f, "append");
  EXPECT_EQ(history[7].key, "bare");
}

TEST(ParseFaultline, ErrorsNameTheFileAndLine) {
  const std::string first = sdk_line(R"("process":1,"type":"invoke","f":"read")");
  const auto error_of_second = [&](const std::string& line) { return error_of(lines({first, line}), Format::faultline); };
  EXPECT_EQ(error_of_second(sdk_line(R"("process":"1","type":"ok")")), "h:2: no integer process");
  EXPECT_EQ(error_of_second(sdk_line(R"("process":1.0,"type":"ok")")), "h:2: no integer process");
  EXPECT_EQ(error_of_second(sdk_line(R"("type":"ok")")), "h:2: no integer process");
  EXPECT_EQ(error_of_second(sdk_line(R"("process":1,"type":"done")")), "h:2: type must be invoke, ok, fail or info");
  for (const std::string& line : {sdk_line(R"("process":01,"type":"ok")"), sdk_line(R"("process":1,"type":"ok")") + " x",
                                  sdk_line("\"process\":1,\"type\":\"ok\",\"value\":\"a\x01\""),
                                  sdk_line("\"process\":1,\"type\":\"ok\",\"value\":\"\xff\""), std::string("[1]")}) {
    EXPECT_EQ(error_of_second(line), "h:2: not a JSON object") << line;
  }
}

// 100,000 levels would overflow the stack of a recursive reader, or of a value's destructor.
TEST(ParseHistories, DeepNestingIsAnErrorNamingTheLine) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(error_of("{:process 0 :type :invoke :f :read}\n{:process 0 :type :ok :f :read :value " + deep + "}", Format::edn),
            "h:2: nested deeper than 64 levels");
  EXPECT_EQ(error_of(lines({sdk_line(R"("process":1,"type":"invoke","f":"read","value":)" + deep)}), Format::faultline),
            "h:1: value nested deeper than 64 levels");
  EXPECT_EQ(error_of(lines({sdk_line(R"("process":1,"type":"invoke","f":"read","key":)" + deep)}), Format::faultline),
            "h:1: key nested deeper than 64 levels");
  EXPECT_EQ(error_of("INFO  jepsen.util - 1\t:invoke\t:read\t" + deep, Format::jepsen_log), "h:1: nested deeper than 64 levels");
  std::string discards;
  for (int i = 0; i < 100000; ++i) discards += "#_";
  EXPECT_EQ(error_of(discards + "{:process 0 :type :invoke}", Format::edn), "h:1: nested deeper than 64 levels");
  EXPECT_EQ(error_of("INFO  jepsen.util - 99999999999999999999\t:invoke\t:read\tnil", Format::jepsen_log),
            "h:1: process 99999999999999999999 is out of range");
  // 64 levels are read.
  const std::string ok = std::string(63, '[') + std::string(63, ']');
  EXPECT_EQ(parse_history(lines({sdk_line(R"("process":1,"type":"invoke","f":"read","value":)" + ok)}), Format::faultline, "h").size(), 1u);
}

TEST(ParseFaultline, VeryLongLine) {
  const std::string value(1 << 20, 'x');
  const History history = parse_history(lines({sdk_line(R"("process":1,"type":"invoke","f":"append","value":")" + value + "\"")}),
                                        Format::faultline, "h");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].value, text(value));
}

// About 300 KB of EDN, lines of every length up to 130 bytes.
std::string long_history() {
  std::string history;
  for (int i = 0; history.size() < 300000; ++i) {
    history += "{:process " + std::to_string(i % 7) + ", :type :invoke, :f :append, :key \"" + std::to_string(i % 10) +
               "\", :value \"" + std::string(i % 97, 'v') + "\"}\n";
  }
  return history;
}

void expect_same_values(const History& loaded, const History& parsed) {
  ASSERT_EQ(loaded.size(), parsed.size());
  for (size_t i = 0; i < loaded.size(); ++i) {
    EXPECT_EQ(loaded[i].value, parsed[i].value) << "line " << parsed[i].line;
    EXPECT_EQ(loaded[i].line, parsed[i].line);
  }
}

TEST(LoadHistory, ReadsTheWholeFile) {
  testing::TempDir dir;
  const std::string history = long_history();
  std::ofstream(dir.path() / "h.edn") << history;
  expect_same_values(load_history(dir.path() / "h.edn", Format::automatic), parse_history(history, Format::edn, "h"));
  try {
    load_history(dir.path() / "missing.edn", Format::automatic);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(std::string(e.what()), (dir.path() / "missing.edn").string() + ": cannot read the file");
  }
}

// A pipe has no size to read at once: it is read in pieces, which lines and values straddle.
TEST(LoadHistory, ReadsAPipeWholeInPieces) {
  testing::TempDir dir;
  const fs::path fifo = dir.path() / "h.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string history = long_history();
  std::thread writer([&] { std::ofstream(fifo) << history; });
  const History loaded = load_history(fifo, Format::edn);
  writer.join();
  expect_same_values(loaded, parse_history(history, Format::edn, "h"));
}

}  // namespace
}  // namespace faultline::check
