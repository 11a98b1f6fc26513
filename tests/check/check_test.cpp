// The linearizability checker: every reference history gives its expected verdict, small
// hand-made histories cover every model and outcome, and a randomized test compares the search
// with brute-force enumeration.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <set>

#include "check/linearizability.h"
#include "check/parse.h"

namespace faultline::check {
namespace {

namespace fs = std::filesystem;
const fs::path kData = SHARED_HISTORIES;

Verdict verdict_of(const std::string& text, const std::string& model_name, bool partition = true) {
  const auto model = make_model(model_name);
  CheckOptions options;
  options.partition = partition;
  options.minimize = false;
  return check_linearizability(pair_operations(parse_history(text, Format::automatic, "test")), *model, options).verdict;
}

TEST(ReferenceHistories, EveryEtcdFileGivesItsExpectedVerdict) {
  const std::set<int> linearizable = {2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102};
  const auto model = make_model("cas-register");
  int checked = 0;
  for (int n = 0; n <= 102; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "etcd_%03d.log", n);
    const auto ops = pair_operations(load_history(kData / "porcupine-jepsen-etcd" / name, Format::automatic));
    if (n == 95) {
      EXPECT_TRUE(ops.empty()) << "etcd_095.log is the empty history";
      continue;
    }
    const CheckResult r = check_linearizability(ops, *model, {});
    EXPECT_EQ(r.verdict, linearizable.count(n) ? Verdict::linearizable : Verdict::not_linearizable) << name;
    if (r.verdict == Verdict::not_linearizable) {
      // The minimal set explains: a few operations that fail alone, each value a read or cas saw
      // written by one of them (a lone cas of a value nobody wrote would explain nothing).
      const std::vector<size_t>& minimal = r.counterexample.minimal;
      EXPECT_GE(minimal.size(), 2u) << name;
      EXPECT_LE(minimal.size(), 8u) << name;
      std::vector<Operation> alone;
      for (size_t i : minimal) alone.push_back(ops[i]);
      CheckOptions quick;
      quick.minimize = false;
      EXPECT_EQ(check_linearizability(alone, *model, quick).verdict, Verdict::not_linearizable) << name;
      EXPECT_EQ(r.counterexample.partial.size(), r.counterexample.states.size()) << name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 102);
}

TEST(ReferenceHistories, KvFilesPartitionedAndUnpartitioned) {
  for (const char* name : {"c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"}) {
    const auto ops = pair_operations(load_history(kData / "porcupine-kv" / (std::string(name) + ".txt"), Format::automatic));
    const Verdict expected = std::string(name).find("-ok") != std::string::npos ? Verdict::linearizable : Verdict::not_linearizable;
    CheckOptions partitioned;
    partitioned.minimize = false;
    EXPECT_EQ(check_linearizability(ops, *make_model("kv"), partitioned).verdict, expected) << name << " partitioned";
    if (std::string(name).rfind("c50", 0) == 0) continue;  // unpartitioned c50 is a soak, not a unit test
    CheckOptions whole = partitioned;
    whole.partition = false;
    EXPECT_EQ(check_linearizability(ops, *make_model("kv"), whole).verdict, expected) << name << " unpartitioned";
  }
}

TEST(Models, RegisterReadsSeeWritesInRealTimeOrder) {
  EXPECT_EQ(verdict_of("{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value 1}\n"
                       "{:process 1 :type :invoke :f :read :value nil}\n{:process 1 :type :ok :f :read :value 1}\n",
                       "register"),
            Verdict::linearizable);
  // A read of a value nobody wrote.
  EXPECT_EQ(verdict_of("{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value 2}\n", "register"),
            Verdict::not_linearizable);
  // A stale read: the write of 2 returned before the read began.
  EXPECT_EQ(verdict_of("[{:process 0 :type :invoke :f :write :value 1} {:process 0 :type :ok :f :write :value 1}"
                       " {:process 0 :type :invoke :f :write :value 2} {:process 0 :type :ok :f :write :value 2}"
                       " {:process 1 :type :invoke :f :read} {:process 1 :type :ok :f :read :value 1}]",
                       "register"),
            Verdict::not_linearizable);
  // Concurrent: the read may come before or after the write.
  for (const char* seen : {"nil", "1"}) {
    EXPECT_EQ(verdict_of(std::string("{:process 0 :type :invoke :f :write :value 1}\n{:process 1 :type :invoke :f :read}\n"
                                     "{:process 1 :type :ok :f :read :value ") + seen + "}\n{:process 0 :type :ok :f :write :value 1}\n",
                         "register"),
              Verdict::linearizable)
        << seen;
  }
}

TEST(Models, OutcomesFollowJepsen) {
  // :fail did not happen: a read cannot see a failed write.
  EXPECT_EQ(verdict_of("{:process 0 :type :invoke :f :write :value 7}\n{:process 0 :type :fail :f :write :value 7}\n"
                       "{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value 7}\n",
                       "register"),
            Verdict::not_linearizable);
  // :info may have happened at any time after its call...
  const std::string info_write = "{:process 0 :type :invoke :f :write :value 7}\n{:process 0 :type :info :f :write :value 7}\n";
  EXPECT_EQ(verdict_of(info_write + "{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value 7}\n", "register"),
            Verdict::linearizable);
  // ... or never ...
  EXPECT_EQ(verdict_of(info_write + "{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value nil}\n", "register"),
            Verdict::linearizable);
  // ... but not before its call.
  EXPECT_EQ(verdict_of("{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value 7}\n" + info_write, "register"),
            Verdict::not_linearizable);
  // An operation without a completion is :info too.
  EXPECT_EQ(verdict_of("{:process 0 :type :invoke :f :write :value 3}\n{:process 1 :type :invoke :f :read}\n"
                       "{:process 1 :type :ok :f :read :value 3}\n",
                       "register"),
            Verdict::linearizable);
}

TEST(Models, CasRegister) {
  const std::string base = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n";
  EXPECT_EQ(verdict_of(base + "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 1\t:ok\t:cas\t[1 2]\n"
                              "INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 2\t:ok\t:read\t2\n",
                       "cas-register"),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(base + "INFO  jepsen.util - 1\t:invoke\t:cas\t[3 2]\nINFO  jepsen.util - 1\t:ok\t:cas\t[3 2]\n", "cas-register"),
            Verdict::not_linearizable)
      << "a successful cas needs its expected value";
  EXPECT_THROW(verdict_of(base + "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 1\t:ok\t:cas\t[1 2]\n", "register"),
               std::invalid_argument)
      << "the plain register has no cas";
}

TEST(Models, KvPerKeyWithEtcdOperations) {
  const std::string history = R"([
    {:process 0, :type :invoke, :f :put, :key "a", :value "1"} {:process 0, :type :ok, :f :put, :key "a", :value "1"}
    {:process 0, :type :invoke, :f :append, :key "a", :value "2"} {:process 0, :type :ok, :f :append, :key "a", :value "2"}
    {:process 1, :type :invoke, :f :get, :key "a", :value nil} {:process 1, :type :ok, :f :get, :key "a", :value "12"}
    {:process 1, :type :invoke, :f :cas, :key "a", :value ["12" "x"]} {:process 1, :type :ok, :f :cas, :key "a", :value ["12" "x"]}
    {:process 1, :type :invoke, :f :delete, :key "b"} {:process 1, :type :ok, :f :delete, :key "b"}
    {:process 2, :type :invoke, :f :get, :key "b"} {:process 2, :type :ok, :f :get, :key "b", :value nil}
    {:process 2, :type :invoke, :f :get, :key "a"} {:process 2, :type :ok, :f :get, :key "a", :value "x"}])";
  EXPECT_EQ(verdict_of(history, "kv"), Verdict::linearizable);
  EXPECT_EQ(verdict_of(history, "kv", false), Verdict::linearizable);
  std::string stale = history;
  stale.replace(stale.rfind("\"x\"}"), 4, "\"12\"}");
  EXPECT_EQ(verdict_of(stale, "kv"), Verdict::not_linearizable);
}

TEST(Models, SetAddsAndReads) {
  const std::string adds = "{:process 0 :type :invoke :f :add :value 1}\n{:process 0 :type :ok :f :add :value 1}\n"
                           "{:process 0 :type :invoke :f :add :value 2}\n{:process 0 :type :ok :f :add :value 2}\n";
  const auto read = [](const std::string& seen) {
    return "{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value " + seen + "}\n";
  };
  EXPECT_EQ(verdict_of(adds + read("#{2 1}"), "set"), Verdict::linearizable) << "order within a set does not matter";
  EXPECT_EQ(verdict_of(adds + read("#{1}"), "set"), Verdict::not_linearizable) << "an add that returned is seen";
  EXPECT_EQ(verdict_of(adds + read("#{1 2 3}"), "set"), Verdict::not_linearizable) << "nobody added 3";
  // An add concurrent with the read may or may not be seen.
  for (const char* seen : {"#{1 2}", "#{1 2 3}"}) {
    EXPECT_EQ(verdict_of(adds + "{:process 2 :type :invoke :f :add :value 3}\n" + read(seen) +
                             "{:process 2 :type :ok :f :add :value 3}\n",
                         "set"),
              Verdict::linearizable)
        << seen;
  }
  const std::string failed = "{:process 2 :type :invoke :f :add :value 3}\n{:process 2 :type :fail :f :add :value 3}\n";
  const std::string unknown = "{:process 2 :type :invoke :f :add :value 3}\n{:process 2 :type :info :f :add :value 3}\n";
  EXPECT_EQ(verdict_of(adds + failed + read("#{1 2 3}"), "set"), Verdict::not_linearizable) << "a failed add did not happen";
  EXPECT_EQ(verdict_of(adds + unknown + read("#{1 2 3}"), "set"), Verdict::linearizable) << "an unknown one may have";
  EXPECT_EQ(verdict_of(adds + unknown + read("#{1 2}"), "set"), Verdict::linearizable) << "or not";
  EXPECT_THROW(verdict_of(adds + read("7"), "set"), std::invalid_argument) << "a read returns a collection";
}

TEST(Models, FifoQueue) {
  const std::string enqueues = "{:process 0 :type :invoke :f :enqueue :value 1}\n{:process 0 :type :ok :f :enqueue :value 1}\n"
                               "{:process 0 :type :invoke :f :enqueue :value 2}\n{:process 0 :type :ok :f :enqueue :value 2}\n";
  const auto dequeue = [](const std::string& got, const std::string& type = "ok") {
    return "{:process 1 :type :invoke :f :dequeue}\n{:process 1 :type :" + type + " :f :dequeue :value " + got + "}\n";
  };
  EXPECT_EQ(verdict_of(enqueues + dequeue("1") + dequeue("2") + dequeue("nil"), "queue"), Verdict::linearizable);
  EXPECT_EQ(verdict_of(enqueues + dequeue("2"), "queue"), Verdict::not_linearizable) << "first in, first out";
  EXPECT_EQ(verdict_of(enqueues + dequeue("nil"), "queue"), Verdict::not_linearizable) << "the queue is not empty";
  EXPECT_EQ(verdict_of(enqueues + dequeue("1") + dequeue("1"), "queue"), Verdict::not_linearizable) << "dequeued twice";
  // Concurrent enqueues may take effect in either order.
  EXPECT_EQ(verdict_of("{:process 0 :type :invoke :f :enqueue :value 1}\n{:process 2 :type :invoke :f :enqueue :value 2}\n"
                       "{:process 0 :type :ok :f :enqueue :value 1}\n{:process 2 :type :ok :f :enqueue :value 2}\n" +
                           dequeue("2") + dequeue("1"),
                       "queue"),
            Verdict::linearizable);
  // A dequeue of unknown outcome may have taken the 1, or not.
  EXPECT_EQ(verdict_of(enqueues + dequeue("nil", "info") + dequeue("2"), "queue"), Verdict::linearizable);
  EXPECT_EQ(verdict_of(enqueues + dequeue("nil", "info") + dequeue("1"), "queue"), Verdict::linearizable);
  EXPECT_EQ(verdict_of(enqueues + dequeue("nil", "fail") + dequeue("2"), "queue"), Verdict::not_linearizable);
}

TEST(Formats, AllThreeAgreeAndErrorsNameFileAndLine) {
  const std::string edn = "{:type :invoke, :process 0, :f :write, :value 5, :time 10}\n{:f :write :value 5 :process 0 :type :ok}\n"
                          "{:process :nemesis :type :info :f :start}\n";
  const std::string faultline = "{\"faultline_history\":{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":5}}\n"
                                "{\"faultline_history\":{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":5}}\n";
  EXPECT_EQ(detect_format(edn), Format::edn);
  EXPECT_EQ(detect_format(faultline), Format::faultline);
  EXPECT_EQ(pair_operations(parse_history(edn, Format::automatic, "h.edn")).size(), 1u) << "the nemesis is not a client";
  EXPECT_EQ(pair_operations(parse_history(faultline, Format::automatic, "h.jsonl")).size(), 1u);
  // A map may span lines.
  EXPECT_EQ(parse_history("{:process 0\n :type :invoke\n :f :read}\n{:process 0 :type :ok :f :read :value nil}", Format::edn, "x").size(), 2u);
  try {
    parse_history("{:process 0 :type :invoke :f :read}\n{:process 0 :type :bogus}\n", Format::edn, "bad.edn");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.edn:2: unknown :type :bogus"), std::string::npos) << e.what();
  }
  try {
    pair_operations(parse_history("{:process 3 :type :ok :f :read :value 1}", Format::edn, "x"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 1: process 3 completes an operation it never invoked"), std::string::npos);
  }
}

// Brute force: some order of the known operations and a subset of the unknown ones, each placed
// after everything that returned before its call, that the model accepts.
bool brute_force(const std::vector<Operation>& ops, const Model& model) {
  std::vector<size_t> known, unknown;
  for (size_t i = 0; i < ops.size(); ++i) (ops[i].unknown ? unknown : known).push_back(i);
  for (uint32_t mask = 0; mask < (1u << unknown.size()); ++mask) {
    std::vector<size_t> chosen = known;
    for (size_t u = 0; u < unknown.size(); ++u) {
      if (mask & (1u << u)) chosen.push_back(unknown[u]);
    }
    std::sort(chosen.begin(), chosen.end());
    do {
      bool ok = true;
      for (size_t a = 0; a < chosen.size() && ok; ++a) {
        for (size_t b = a + 1; b < chosen.size() && ok; ++b) {
          const Operation& later = ops[chosen[b]];
          if (!later.unknown && later.ret < ops[chosen[a]].call) ok = false;  // b returned before a began
        }
      }
      if (!ok) continue;
      auto instance = model.instance(ops);
      uint64_t state = instance->init();
      for (size_t i : chosen) {
        uint64_t next;
        if (!instance->step(state, i, &next)) {
          ok = false;
          break;
        }
        state = next;
      }
      if (ok) return true;
    } while (std::next_permutation(chosen.begin(), chosen.end()));
  }
  return false;
}

// A random tiny history: up to `most` operations of 3 processes, with random interleaving and
// outcomes; `invoke` fills in an invocation, `observe` what a read returned.
template <typename Invoke, typename Observe>
History tiny_history(std::mt19937_64& rng, int most, Invoke invoke, Observe observe) {
  History history;
  const int processes = 3, total = 2 + static_cast<int>(rng() % (most - 1));
  std::vector<std::optional<HistoryEvent>> open(processes);
  int started = 0, line = 0;
  while (started < total || std::any_of(open.begin(), open.end(), [](const auto& o) { return o.has_value(); })) {
    const int p = static_cast<int>(rng() % processes);
    HistoryEvent e;
    if (!open[p]) {
      if (started >= total) continue;
      e.type = HistoryEvent::Type::invoke;
      invoke(e);
      open[p] = e;
      ++started;
    } else {
      e = *open[p];
      const int outcome = static_cast<int>(rng() % 10);
      e.type = outcome < 7 ? HistoryEvent::Type::ok : outcome < 9 ? HistoryEvent::Type::info : HistoryEvent::Type::fail;
      if (e.type == HistoryEvent::Type::ok) observe(e);
      open[p].reset();
    }
    e.process = p;
    e.line = ++line;
    history.push_back(e);
  }
  return history;
}

TEST(Randomized, SearchAgreesWithBruteForceOnThousandsOfTinyHistories) {
  std::mt19937_64 rng(20261126);
  const auto model = make_model("cas-register");
  int illegal = 0, legal = 0;
  for (int round = 0; round < 4000; ++round) {
    // Over values 0..2.
    const auto value = [&] { return Value{static_cast<int64_t>(rng() % 3)}; };
    const History history = tiny_history(
        rng, 6,
        [&](HistoryEvent& e) {
          const int kind = static_cast<int>(rng() % 3);
          e.f = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
          if (kind == 1) e.value = value();
          if (kind == 2) e.value.v = std::vector<Value>{value(), value()};
        },
        [&](HistoryEvent& e) {
          if (e.f == "read" && rng() % 4) e.value = value();
        });
    const std::vector<Operation> ops = pair_operations(history);
    CheckOptions options;
    options.minimize = round % 50 == 0;
    const Verdict got = check_linearizability(ops, *model, options).verdict;
    const bool expected = brute_force(ops, *model);
    ASSERT_EQ(got == Verdict::linearizable, expected) << "round " << round;
    (expected ? legal : illegal)++;
  }
  EXPECT_GT(legal, 500);
  EXPECT_GT(illegal, 500) << "the generator makes both kinds";
}

// The kv model's lookahead (values grow by appends, and only puts, deletes and swaps reset them)
// against brute force: two keys, values that are prefixes of one another, checked whole and per key.
TEST(Randomized, KvSearchAgreesWithBruteForceOnThousandsOfTinyHistories) {
  std::mt19937_64 rng(20261127);
  const auto model = make_model("kv");
  const std::vector<std::string> pieces = {"a", "b", "ab"};
  const std::vector<std::string> seen = {"", "a", "b", "ab", "aa", "ba", "aab", "aba", "abab"};
  int illegal = 0, legal = 0;
  for (int round = 0; round < 4000; ++round) {
    const auto piece = [&] { return Value{pieces[rng() % pieces.size()]}; };
    const History history = tiny_history(
        rng, 7,
        [&](HistoryEvent& e) {
          const int kind = static_cast<int>(rng() % 10);
          e.f = kind < 3 ? "get" : kind < 7 ? "append" : kind < 8 ? "put" : kind < 9 ? "delete" : "cas";
          e.key = rng() % 3 ? "x" : "y";
          if (e.f == "append" || e.f == "put") e.value = piece();
          if (e.f == "cas") e.value.v = std::vector<Value>{piece(), piece()};
        },
        [&](HistoryEvent& e) {
          if (e.f == "get") e.value = Value{seen[rng() % seen.size()]};
        });
    const std::vector<Operation> ops = pair_operations(history);
    const bool expected = brute_force(ops, *model);
    for (bool partition : {false, true}) {
      CheckOptions options;
      options.partition = partition;
      options.minimize = round % 50 == 0;
      const Verdict got = check_linearizability(ops, *model, options).verdict;
      ASSERT_EQ(got == Verdict::linearizable, expected) << "round " << round << (partition ? " partitioned" : " whole");
    }
    (expected ? legal : illegal)++;
  }
  EXPECT_GT(legal, 500);
  EXPECT_GT(illegal, 500) << "the generator makes both kinds";
}

// The minimal set is an explanation: it fails alone, within one key (linearizability is local,
// even when the history was checked whole), and is small.
TEST(Explanations, MinimalSetFailsAloneWithinOneKey) {
  for (const auto& [name, partition] : {std::pair{"c10-bad", false}, std::pair{"c50-bad", true}}) {
    const auto ops = pair_operations(load_history(kData / "porcupine-kv" / (std::string(name) + ".txt"), Format::automatic));
    const auto model = make_model("kv");
    CheckOptions options;
    options.partition = partition;
    const CheckResult r = check_linearizability(ops, *model, options);
    ASSERT_EQ(r.verdict, Verdict::not_linearizable) << name;
    const std::vector<size_t>& minimal = r.counterexample.minimal;
    EXPECT_LE(minimal.size(), 20u) << name;
    std::vector<Operation> alone;
    for (size_t i : minimal) {
      alone.push_back(ops[i]);
      EXPECT_EQ(ops[i].key, ops[minimal.front()].key) << name << ": line " << ops[i].line;
    }
    options.minimize = false;
    EXPECT_EQ(check_linearizability(alone, *model, options).verdict, Verdict::not_linearizable) << name;
  }
}

// c50-bad has one key that alone takes seconds to refute and others refuted in a millisecond: on
// one thread, partitions taking turns find a quick one (checking one partition to its end, largest
// first, spent the whole timeout on the slow one).
// The set and queue models (and the set's lookahead) against brute force.
TEST(Randomized, SetAndQueueSearchAgreeWithBruteForce) {
  std::mt19937_64 rng(20261128);
  for (const char* name : {"set", "queue"}) {
    const auto model = make_model(name);
    const bool set = std::string(name) == "set";
    int illegal = 0, legal = 0;
    for (int round = 0; round < 3000; ++round) {
      const auto element = [&] { return Value{static_cast<int64_t>(rng() % 3)}; };
      const History history = tiny_history(
          rng, 7,
          [&](HistoryEvent& e) {
            const bool changes = rng() % 5 < 3;
            e.f = set ? (changes ? "add" : "read") : (changes ? "enqueue" : "dequeue");
            if (changes) e.value = element();
          },
          [&](HistoryEvent& e) {
            if (e.f == "read") {
              std::vector<Value> seen(3);
              for (int64_t v = 0; v < 3; ++v) seen[v].v = v;
              std::erase_if(seen, [&](const Value&) { return rng() % 2 == 0; });
              e.value.v = std::move(seen);
            }
            if (e.f == "dequeue" && rng() % 4) e.value = element();  // else nil: found it empty
          });
      const std::vector<Operation> ops = pair_operations(history);
      CheckOptions options;
      options.minimize = round % 50 == 0;
      const bool expected = brute_force(ops, *model);
      ASSERT_EQ(check_linearizability(ops, *model, options).verdict == Verdict::linearizable, expected) << name << " round " << round;
      (expected ? legal : illegal)++;
    }
    EXPECT_GT(legal, 300) << name;
    EXPECT_GT(illegal, 300) << name << ": the generator makes both kinds";
  }
}

TEST(Scheduling, OneThreadFindsAQuickRefutationBesideASlowOne) {
  const auto ops = pair_operations(load_history(kData / "porcupine-kv" / "c50-bad.txt", Format::automatic));
  CheckOptions options;
  options.threads = 1;
  options.minimize = false;
  options.timeout = std::chrono::milliseconds(20000);
  EXPECT_EQ(check_linearizability(ops, *make_model("kv"), options).verdict, Verdict::not_linearizable);
}

TEST(Timeout, IsHonoured) {
  const auto ops = pair_operations(load_history(kData / "porcupine-kv" / "c50-bad.txt", Format::automatic));
  CheckOptions options;
  options.partition = false;
  options.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  const CheckResult r = check_linearizability(ops, *make_model("kv"), options);
  EXPECT_EQ(r.verdict, Verdict::unknown);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace faultline::check
