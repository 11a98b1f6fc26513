// The run directory's event types: every line of events.jsonl is one of these, with "t" (ms since
// the run started) and "type" added by the log. Producers write them through EventLog::write; the
// report reads them back with from_json. docs/run-directory.md lists every type with its fields.
//
// Reading is lenient on purpose: a field that is missing or of another type reads as its default,
// so that a run written by another version of faultline, or cut mid-line, is still reported.
#ifndef FAULTLINE_SRC_EVENTS_SCHEMA_H_
#define FAULTLINE_SRC_EVENTS_SCHEMA_H_

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace faultline::events {

using Json = nlohmann::json;

// Where an SDK line or a request came from: a service's own processes (invocation 0), or a test
// command's invocation in a service.
struct Source {
  std::string file;  // the SDK output file, relative to the timeline's SDK folder
  std::string service;
  int invocation = 0;
  std::string command;
  uint64_t line_number = 0;  // the line's number in `file` (from 1; 0 when unknown)

  // Every field with its key ("": the fields of a Source, written flat).
  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("file", e.file); v("service", e.service); v("invocation", e.invocation); v("command", e.command);
    v("line_number", e.line_number);
  }
};

struct RunStarted {
  static constexpr std::string_view kType = "run_started";
  std::string seed;  // as text: JSON readers lose 64-bit integers
  std::string template_name;
  std::string project;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("seed", e.seed); v("template", e.template_name); v("project", e.project);
  }
};

struct TimelineStarted {
  static constexpr std::string_view kType = "timeline_started";
  int timeline = 0;
  std::string seed;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("seed", e.seed);
  }
};

// The template a timeline runs, with every command name it holds.
struct TemplateListed {
  static constexpr std::string_view kType = "template";
  int timeline = 0;
  std::string template_name;
  std::vector<std::string> commands;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("template", e.template_name); v("commands", e.commands);
  }
};

struct ServiceChanged {
  static constexpr std::string_view kType = "service";
  int timeline = 0;
  std::string service;
  std::string state;   // starting, running, healthy, unhealthy, exited
  std::string detail;  // the exit status, or the failing health check's output

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("service", e.service); v("state", e.state); v("detail", e.detail);
  }
};

// The first antithesis_setup line of a timeline.
struct SetupComplete {
  static constexpr std::string_view kType = "setup_complete";
  int timeline = 0;
  Source source;
  Json details;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("", e.source); v("details", e.details);
  }
};

// The Test Composer enters a phase of the timeline.
struct PhaseEntered {
  static constexpr std::string_view kType = "phase";
  int timeline = 0;
  std::string phase;   // first, drivers, ending, done
  std::string ending;  // for the ending phase: eventually or finally

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("phase", e.phase); v("ending", e.ending);
  }
};

struct CommandStarted {
  static constexpr std::string_view kType = "command_started";
  int timeline = 0;
  int invocation = 0;
  std::string command;
  std::string kind;  // its prefix, e.g. parallel_driver_
  std::string service;
  std::string path;  // inside the service

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("invocation", e.invocation); v("command", e.command); v("kind", e.kind);
    v("service", e.service); v("path", e.path);
  }
};

struct CommandFinished {
  static constexpr std::string_view kType = "command_finished";
  int timeline = 0;
  int invocation = 0;
  std::string command;
  std::string service;
  int status = -1;  // exit code, or 128 + signal; 127 when it could not start
  double duration_ms = 0;
  bool timed_out = false;
  bool killed_by_composer = false;
  std::string error;  // why it could not start

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("invocation", e.invocation); v("command", e.command);
    v("service", e.service); v("status", e.status); v("duration_ms", e.duration_ms);
    v("timed_out", e.timed_out); v("killed_by_composer", e.killed_by_composer); v("error", e.error);
  }
};

// One line an SDK wrote.
struct SdkLine {
  static constexpr std::string_view kType = "sdk";
  int timeline = 0;
  Source source;
  Json line;  // the JSON object

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("", e.source); v("line", e.line);
  }
};

// A line of an SDK output file that faultline cannot read: not a JSON object, or of the wrong shape
// (report/sdk_line_shape.h).
struct SdkInvalid {
  static constexpr std::string_view kType = "sdk_invalid";
  int timeline = 0;
  Source source;
  std::string text;     // its start (events::kept_text)
  std::string problem;  // what is wrong with it

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("", e.source); v("text", e.text); v("problem", e.problem);
  }
};

// "$ANTITHESIS_STOP_FAULTS" N was run.
struct StopFaults {
  static constexpr std::string_view kType = "stop_faults";
  int timeline = 0;
  Source source;
  int64_t seconds = 0;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("", e.source); v("seconds", e.seconds);
  }
};

// A fault put in force. `name` and `type` are the platform's vocabulary.
struct FaultStarted {
  static constexpr std::string_view kType = "fault";
  int timeline = 0;
  int fault = 0;     // the fault's number in the timeline; its fault_ended has the same
  std::string name;  // partition, clog, loss, latency, bandwidth, pause, kill, stop, clock, custom
  std::string type;  // network, node, clock (written as "fault_type": "type" is the event's)
  std::vector<std::string> affected_nodes;
  double max_duration_ms = 0;
  Json details;  // partition groups, asymmetric, drop rate, latency mean/deviation in ms, ...

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("fault", e.fault); v("name", e.name); v("fault_type", e.type);
    v("affected_nodes", e.affected_nodes); v("max_duration_ms", e.max_duration_ms); v("details", e.details);
  }
};

struct FaultEnded {
  static constexpr std::string_view kType = "fault_ended";
  int timeline = 0;
  int fault = 0;
  std::string name;
  double duration_ms = 0;  // from start to the end in force
  std::string reason;      // expired, ending (the quiet phase), stop_faults, run_end
  std::string error;       // the end could not be applied in full

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("fault", e.fault); v("name", e.name); v("duration_ms", e.duration_ms);
    v("reason", e.reason); v("error", e.error);
  }
};

// A fault that could not be applied, or a kind this machine cannot offer.
struct FaultUnavailable {
  static constexpr std::string_view kType = "fault_unavailable";
  int timeline = 0;
  std::string name;
  std::string reason;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("name", e.name); v("reason", e.reason);
  }
};

// A node fault that could not be put in force (its service had ended meanwhile, say).
struct FaultFailed {
  static constexpr std::string_view kType = "fault_failed";
  int timeline = 0;
  std::string name;
  std::vector<std::string> affected_nodes;
  std::string reason;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("name", e.name); v("affected_nodes", e.affected_nodes); v("reason", e.reason);
  }
};

struct HistoryChecked {
  static constexpr std::string_view kType = "history_checked";
  int timeline = 0;
  std::string model;
  std::string verdict;  // check::to_string of the verdict, or "error"
  uint64_t operations = 0;
  double seconds = 0;
  std::string history;  // the merged file
  std::string error;
  std::vector<std::string> cannot_be_ordered;           // a minimal failing set, described
  std::vector<std::string> partial_linearization_tail;  // the end of the longest partial order
  // The same counterexample as positions in the merged file's operations (check::pair_operations
  // order), so that a report can draw it from the run directory without checking again.
  std::vector<uint64_t> minimal_ops;
  std::vector<uint64_t> partial_ops;
  std::vector<uint64_t> blocked_ops;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("model", e.model); v("verdict", e.verdict); v("operations", e.operations);
    v("seconds", e.seconds); v("history", e.history); v("error", e.error);
    v("cannot_be_ordered", e.cannot_be_ordered);
    v("partial_linearization_tail", e.partial_linearization_tail);
    v("minimal_ops", e.minimal_ops); v("partial_ops", e.partial_ops); v("blocked_ops", e.blocked_ops);
  }
};

struct TimelineFinished {
  static constexpr std::string_view kType = "timeline_finished";
  int timeline = 0;
  std::string outcome;  // completed, setup failed, interrupted
  std::string ending;   // eventually, finally, none

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("timeline", e.timeline); v("outcome", e.outcome); v("ending", e.ending);
  }
};

struct RunFinished {
  static constexpr std::string_view kType = "run_finished";
  int exit_status = 0;

  template <typename Self, typename Visit>
  static void visit(Self& e, Visit&& v) {
    v("exit_status", e.exit_status);
  }
};


// Every event type, for whoever must handle them all (tests, documentation).
using AllEvents = std::tuple<RunStarted, TimelineStarted, TemplateListed, ServiceChanged, SetupComplete, PhaseEntered,
                             CommandStarted, CommandFinished, SdkLine, SdkInvalid, StopFaults, FaultStarted, FaultEnded,
                             FaultUnavailable, FaultFailed, HistoryChecked, TimelineFinished, RunFinished>;

// `j[key]` when it holds a T, else `fallback`: never throws, whatever `j` is.
template <typename T>
T field(const Json& j, std::string_view key, T fallback = T()) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(std::string(key));
  if (it == j.end()) return fallback;
  if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->template get<bool>() : fallback;
  } else if constexpr (std::is_integral_v<T>) {
    // Only integers that fit: a conversion out of range would be undefined.
    if (it->is_number_unsigned()) {
      const uint64_t v = it->template get<uint64_t>();
      return v <= static_cast<uint64_t>(std::numeric_limits<T>::max()) ? static_cast<T>(v) : fallback;
    }
    if (it->is_number_integer()) {
      const int64_t v = it->template get<int64_t>();
      const bool fits = std::is_signed_v<T> ? v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                                  v <= static_cast<int64_t>(std::numeric_limits<T>::max())
                                            : v >= 0 && static_cast<uint64_t>(v) <= std::numeric_limits<T>::max();
      return fits ? static_cast<T>(v) : fallback;
    }
    return fallback;
  } else if constexpr (std::is_floating_point_v<T>) {
    return it->is_number() ? it->template get<T>() : fallback;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->template get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, Json>) {
    return *it;
  } else {
    try {
      return it->template get<T>();
    } catch (const Json::exception&) {
      return fallback;
    }
  }
}

// An event type: it lists its fields through a static visit(self, visitor).
template <typename T>
concept Visitable = requires(T& t) { T::visit(t, [](std::string_view, auto&) {}); };

// Writes every field; a Source's fields go flat into the event.
template <Visitable T>
void to_json(Json& j, const T& e) {
  if (!j.is_object()) j = Json::object();
  T::visit(e, [&j](std::string_view key, const auto& member) {
    if constexpr (std::is_same_v<std::decay_t<decltype(member)>, Source>) {
      to_json(j, member);
    } else {
      j[std::string(key)] = member;
    }
  });
}

// Reads every field leniently (see the top of this file).
template <Visitable T>
void from_json(const Json& j, T& e) {
  T::visit(e, [&j](std::string_view key, auto& member) {
    using Member = std::decay_t<decltype(member)>;
    if constexpr (std::is_same_v<Member, Source>) {
      from_json(j, member);
    } else {
      member = field<Member>(j, key, member);
    }
  });
}

// Reads an event of type T (whatever its "type" says).
template <Visitable T>
T read(const Json& event) {
  T e;
  from_json(event, e);
  return e;
}

// The type of an event as read back ("" when it has none), and its time in ms since the run started.
inline std::string type_of(const Json& event) { return field<std::string>(event, "type"); }
inline double time_of(const Json& event) { return field<double>(event, "t"); }

}  // namespace faultline::events

#endif  // FAULTLINE_SRC_EVENTS_SCHEMA_H_
