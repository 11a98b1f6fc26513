#include "parse.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace faultline::check {
namespace {

// The EDN values a history uses.
struct Edn {
  enum class Kind { nil, boolean, integer, real, string, keyword, symbol, list, map };
  Kind kind = Kind::nil;
  int64_t integer = 0;
  std::string text;                          // string, keyword (without ':'), symbol
  std::vector<Edn> items;                    // list, vector, set
  std::vector<Edn> keys, values;             // map (parallel: a pair of Edn would be incomplete here)
  int line = 0;
};

// A small EDN reader: nil, booleans, numbers, strings, keywords, symbols, lists, vectors, sets,
// maps, comments (;) and discards (#_). Commas are whitespace.
class EdnReader {
 public:
  EdnReader(const std::string& text, std::string name) : text_(text), name_(std::move(name)) {}

  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }

  Edn read() {
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
    Edn value;
    value.line = line_;
    const char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      value.kind = Edn::Kind::map;
      while (!close('}')) {
        value.keys.push_back(read());
        if (close('}')) fail("a map needs a value for every key");
        value.values.push_back(read());
      }
    } else if (c == '[' || c == '(') {
      const char end = c == '[' ? ']' : ')';
      ++pos_;
      value.kind = Edn::Kind::list;
      while (!close(end)) value.items.push_back(read());
    } else if (c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
      pos_ += 2;
      value.kind = Edn::Kind::list;
      while (!close('}')) value.items.push_back(read());
    } else if (c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '_') {
      pos_ += 2;
      read();
      return read();
    } else if (c == '"') {
      value.kind = Edn::Kind::string;
      value.text = read_string();
    } else if (c == ':') {
      ++pos_;
      value.kind = Edn::Kind::keyword;
      value.text = read_token();
    } else {
      const std::string token = read_token();
      if (token.empty()) fail(std::string("unexpected '") + c + "'");
      if (token == "nil") {
        value.kind = Edn::Kind::nil;
      } else if (token == "true" || token == "false") {
        value.kind = Edn::Kind::boolean;
        value.integer = token == "true";
      } else if (std::isdigit(static_cast<unsigned char>(token[0])) ||
                 ((token[0] == '-' || token[0] == '+') && token.size() > 1 && std::isdigit(static_cast<unsigned char>(token[1])))) {
        if (token.find_first_of(".eE") != std::string::npos) {
          value.kind = Edn::Kind::real;
          value.text = token;
        } else {
          value.kind = Edn::Kind::integer;
          try {
            value.integer = std::stoll(token.back() == 'N' ? token.substr(0, token.size() - 1) : token);
          } catch (const std::exception&) {
            fail("bad number " + token);
          }
        }
      } else {
        value.kind = Edn::Kind::symbol;
        value.text = token;
      }
    }
    return value;
  }

  [[noreturn]] void fail(const std::string& message) { throw ParseError(name_, line_, message); }

 private:
  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
        ++pos_;
      } else if (c == ';') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  bool close(char end) {
    skip_space();
    if (pos_ >= text_.size()) fail(std::string("missing '") + end + "'");
    if (text_[pos_] != end) return false;
    ++pos_;
    return true;
  }

  std::string read_token() {
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' ||
          c == '(' || c == ')' || c == '"' || c == ';') {
        break;
      }
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  std::string read_string() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\n') ++line_;
      if (c == '\\' && pos_ < text_.size()) {
        const char e = text_[pos_++];
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      out.push_back(c);
    }
    if (pos_ >= text_.size()) fail("unclosed string");
    ++pos_;
    return out;
  }

  const std::string& text_;
  std::string name_;
  size_t pos_ = 0;
  int line_ = 1;
};

// Calls `each(line, number)` for every line of `text` (numbered from 1).
template <typename Each>
void for_each_line(const std::string& text, Each each) {
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) each(line, ++number);
}

Value to_value(const Edn& e) {
  Value v;
  switch (e.kind) {
    case Edn::Kind::nil: break;
    case Edn::Kind::boolean:
    case Edn::Kind::integer: v.v = e.integer; break;
    case Edn::Kind::real:
    case Edn::Kind::string:
    case Edn::Kind::keyword:
    case Edn::Kind::symbol: v.v = e.text; break;
    case Edn::Kind::list: {
      std::vector<Value> items;
      for (const Edn& item : e.items) items.push_back(to_value(item));
      v.v = std::move(items);
      break;
    }
    case Edn::Kind::map: v.v = std::string("{map}"); break;
  }
  return v;
}

std::optional<HistoryEvent::Type> event_type(const std::string& name) {
  if (name == "invoke") return HistoryEvent::Type::invoke;
  if (name == "ok") return HistoryEvent::Type::ok;
  if (name == "fail") return HistoryEvent::Type::fail;
  if (name == "info") return HistoryEvent::Type::info;
  return std::nullopt;
}

// One EDN map as an event; false for events that are not a client's (a nemesis's).
bool edn_event(const Edn& map, EdnReader& reader, HistoryEvent* event) {
  if (map.kind != Edn::Kind::map) reader.fail("expected a map of an operation");
  bool has_type = false, has_process = false;
  event->line = map.line;
  for (size_t i = 0; i < map.keys.size(); ++i) {
    const Edn& key = map.keys[i];
    const Edn& value = map.values[i];
    if (key.kind != Edn::Kind::keyword) continue;
    if (key.text == "process") {
      if (value.kind != Edn::Kind::integer) return false;  // :nemesis and the like
      event->process = value.integer;
      has_process = true;
    } else if (key.text == "type") {
      const auto type = event_type(value.text);
      if (!type) throw ParseError("", map.line, "unknown :type :" + value.text);
      event->type = *type;
      has_type = true;
    } else if (key.text == "f") {
      event->f = value.text;
    } else if (key.text == "key") {
      event->key = value.kind == Edn::Kind::integer ? std::to_string(value.integer) : value.text;
    } else if (key.text == "value") {
      event->value = to_value(value);
    }
  }
  if (!has_type) reader.fail("an operation without :type");
  return has_process;
}

History parse_edn(const std::string& text, const std::string& name) {
  EdnReader reader(text, name);
  History history;
  while (!reader.at_end()) {
    Edn form = reader.read();
    std::vector<Edn> maps;
    if (form.kind == Edn::Kind::list) {
      maps = std::move(form.items);
    } else {
      maps.push_back(std::move(form));
    }
    for (const Edn& map : maps) {
      HistoryEvent event;
      try {
        if (edn_event(map, reader, &event)) history.push_back(std::move(event));
      } catch (const ParseError& e) {
        throw ParseError(name, map.line, std::string(e.what()).substr(std::string(e.what()).find(": ") + 2));
      }
    }
  }
  return history;
}

// INFO  jepsen.util - 3	:ok	:read	nil
History parse_jepsen_log(const std::string& text, const std::string& name) {
  History history;
  for_each_line(text, [&](const std::string& line, int number) {
    const size_t marker = line.find("jepsen.util - ");
    if (marker == std::string::npos) return;  // other log lines
    std::istringstream fields(line.substr(marker + 14));
    std::string process, type, f;
    fields >> process >> type >> f;
    std::string rest;
    std::getline(fields, rest);
    if (process.empty() || type.size() < 2 || f.size() < 2 || type[0] != ':' || f[0] != ':') {
      throw ParseError(name, number, "expected <process> :<type> :<f> <value>");
    }
    if (process.find_first_not_of("0123456789") != std::string::npos) return;  // :nemesis
    HistoryEvent event;
    event.line = number;
    event.process = std::stoll(process);
    const auto kind = event_type(type.substr(1));
    if (!kind) throw ParseError(name, number, "unknown type " + type);
    event.type = *kind;
    event.f = f.substr(1);
    EdnReader value_reader(rest, name);
    if (!value_reader.at_end()) event.value = to_value(value_reader.read());
    history.push_back(std::move(event));
  });
  return history;
}

Value json_value(const nlohmann::json& j) {
  Value v;
  if (j.is_number_integer()) v.v = j.get<int64_t>();
  else if (j.is_string()) v.v = j.get<std::string>();
  else if (j.is_boolean()) v.v = static_cast<int64_t>(j.get<bool>());
  else if (j.is_number()) v.v = j.dump();
  else if (j.is_array()) {
    std::vector<Value> items;
    for (const auto& item : j) items.push_back(json_value(item));
    v.v = std::move(items);
  }
  return v;
}

// faultline's history lines: {"faultline_history": {...}} as the SDK writes them, or the bare
// object. Other lines of an SDK file (its header, assertions) are skipped.
History parse_faultline(const std::string& text, const std::string& name) {
  History history;
  for_each_line(text, [&](const std::string& line, int number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw ParseError(name, number, "not a JSON object");
    const nlohmann::json& op = j.contains("faultline_history") ? j["faultline_history"] : j;
    if (!op.is_object() || !op.contains("type")) return;
    HistoryEvent event;
    event.line = number;
    if (!op.contains("process") || !op["process"].is_number_integer()) throw ParseError(name, number, "no integer process");
    event.process = op["process"].get<int64_t>();
    const auto kind = event_type(op.value("type", ""));
    if (!kind) throw ParseError(name, number, "type must be invoke, ok, fail or info");
    event.type = *kind;
    event.f = op.value("f", "");
    if (op.contains("key") && !op["key"].is_null()) event.key = op["key"].is_string() ? op["key"].get<std::string>() : op["key"].dump();
    if (op.contains("value")) event.value = json_value(op["value"]);
    history.push_back(std::move(event));
  });
  return history;
}

}  // namespace

ParseError::ParseError(const std::string& file, int line, const std::string& message)
    : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + message) {}

Format parse_format(const std::string& name) {
  if (name == "auto") return Format::automatic;
  if (name == "jepsen-log") return Format::jepsen_log;
  if (name == "edn") return Format::edn;
  if (name == "faultline") return Format::faultline;
  throw std::invalid_argument("unknown format \"" + name + "\" (auto, jepsen-log, edn, faultline)");
}

Format detect_format(const std::string& text) {
  if (text.find("jepsen.util - ") != std::string::npos) return Format::jepsen_log;
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && text[start] == '{') {
    const size_t end = text.find('\n', start);
    const nlohmann::json first = nlohmann::json::parse(text.substr(start, end == std::string::npos ? end : end - start), nullptr, false);
    if (!first.is_discarded()) return Format::faultline;
  }
  return Format::edn;
}

History parse_history(const std::string& text, Format format, const std::string& name) {
  if (format == Format::automatic) format = detect_format(text);
  switch (format) {
    case Format::jepsen_log: return parse_jepsen_log(text, name);
    case Format::faultline: return parse_faultline(text, name);
    case Format::edn:
    case Format::automatic: return parse_edn(text, name);
  }
  return {};
}

History load_history(const std::filesystem::path& path, Format format) {
  std::ifstream in(path);
  if (!in) throw ParseError(path.string(), 0, "cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_history(text.str(), format, path.string());
}

}  // namespace faultline::check
