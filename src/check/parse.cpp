#include "parse.h"

#include <array>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

namespace faultline::check {
namespace {

// std::isspace in the C locale (space, \t, \n, \v, \f, \r), without a call per character.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What ends an EDN token: whitespace, commas, brackets, a string's quote, a comment.
constexpr std::array<bool, 256> kEndsEdnToken = [] {
  std::array<bool, 256> ends{};
  for (const char c : std::string_view(" \t\n\v\f\r,{}[]()\";")) ends[static_cast<unsigned char>(c)] = true;
  return ends;
}();

// Values nest a few levels in any real history. The readers below, and a Value's destructor, are
// recursive: deeper values are refused before they can take the stack.
constexpr int kMaxDepth = 64;
const std::string kTooDeep = "nested deeper than " + std::to_string(kMaxDepth) + " levels";

// A small EDN reader: nil, booleans, numbers, strings, keywords, symbols, lists, vectors, sets,
// maps, comments (;) and discards (#_). Commas are whitespace. Values are read straight into a
// history's Value: a tree of EDN values built first took most of the time of reading a history.
class EdnReader {
 public:
  // What one form was: its kind, an integer's (or boolean's) value, and the text of a string,
  // keyword (without ':'), symbol or real number. A string's text may be the reader's own copy
  // (when it has escapes), valid until the next string is read.
  struct Form {
    enum class Kind { nil, boolean, integer, real, string, keyword, symbol, list, map };
    Kind kind = Kind::nil;
    int64_t integer = 0;
    std::string_view text;
  };

  EdnReader(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }

  // Moves to the start of the next form, past any discarded ones (#_), and returns its line.
  int next_form() {
    skip_space_before_form();
    while (text_.substr(pos_, 2) == "#_") {
      pos_ += 2;
      // A discard discarding a discard recurses too.
      if (++depth_ > kMaxDepth) fail(kTooDeep);
      read();
      --depth_;
      skip_space_before_form();
    }
    return line_;
  }

  // After next_form: moves past the '{' of a map starting here, if one does.
  bool open_map() {
    if (text_[pos_] != '{') return false;
    ++pos_;
    return true;
  }

  // After next_form: moves past the opening of a list, vector or set starting here, if one does,
  // and returns the character that closes it; 0 if none starts here.
  char open_sequence() {
    const char c = text_[pos_];
    if (c == '[' || c == '(') {
      ++pos_;
      return c == '[' ? ']' : ')';
    }
    if (c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
      pos_ += 2;
      return '}';
    }
    return 0;
  }

  bool close(char end) {
    skip_space();
    if (pos_ >= text_.size()) fail(std::string("missing '") + end + "'");
    if (text_[pos_] != end) return false;
    ++pos_;
    return true;
  }

  // Reads a map's entries after its '{': `read_value(key)` reads each key's value.
  template <typename ReadValue>
  void read_entries(ReadValue read_value) {
    while (!close('}')) {
      const Form key = read();
      if (close('}')) fail("a map needs a value for every key");
      read_value(key);
    }
  }

  // Reads one form, and into `value` when given (a map becomes the text "{map}").
  Form read(Value* value = nullptr) {
    next_form();
    Form form;
    if (open_map()) {
      if (++depth_ > kMaxDepth) fail(kTooDeep);
      form.kind = Form::Kind::map;
      read_entries([this](const Form&) { read(); });
      if (value) value->v = std::string("{map}");
      --depth_;
    } else if (const char end = open_sequence()) {
      if (++depth_ > kMaxDepth) fail(kTooDeep);
      form.kind = Form::Kind::list;
      read_items(end, value);
      --depth_;
    } else {
      form = read_atom();
      if (value) *value = value_of(form);
    }
    return form;
  }

  [[noreturn]] void fail(const std::string& message) { throw ParseError(name_, line_, message); }

 private:
  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ';') {
        pos_ = std::min(text_.find('\n', pos_), text_.size());
        continue;
      }
      if (c == '\n') {
        ++line_;
      } else if (!is_space(c) && c != ',') {
        break;
      }
      ++pos_;
    }
  }

  void skip_space_before_form() {
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
  }

  void read_items(char end, Value* value) {
    std::vector<Value>* items = nullptr;
    if (value) items = &value->v.emplace<std::vector<Value>>();
    while (!close(end)) read(items ? &items->emplace_back() : nullptr);
  }

  Form read_atom() {
    Form form;
    const char c = text_[pos_];
    if (c == '"') {
      form.kind = Form::Kind::string;
      form.text = read_string();
      return form;
    }
    if (c == ':') {
      ++pos_;
      form.kind = Form::Kind::keyword;
      form.text = read_token();
      return form;
    }
    const std::string_view token = read_token();
    if (token.empty()) fail(std::string("unexpected '") + c + "'");
    if (token == "nil") return form;
    if (token == "true" || token == "false") {
      form.kind = Form::Kind::boolean;
      form.integer = token == "true";
    } else if (!is_number(token)) {
      form.kind = Form::Kind::symbol;
      form.text = token;
    } else if (token.find_first_of(".eE") != std::string_view::npos) {
      form.kind = Form::Kind::real;
      form.text = token;
    } else {
      form.kind = Form::Kind::integer;
      form.integer = integer_of(token);
    }
    return form;
  }

  static bool is_number(std::string_view token) {
    return is_digit(token[0]) || ((token[0] == '-' || token[0] == '+') && token.size() > 1 && is_digit(token[1]));
  }

  // As std::stoll reads it: the digits after an optional sign, up to whatever follows them; a
  // trailing N (arbitrary precision) dropped.
  int64_t integer_of(std::string_view token) {
    std::string_view digits = token.back() == 'N' ? token.substr(0, token.size() - 1) : token;
    if (digits.front() == '+') digits.remove_prefix(1);
    int64_t integer = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), integer).ec != std::errc()) {
      fail("bad number " + std::string(token));
    }
    return integer;
  }

  static Value value_of(const Form& form) {
    switch (form.kind) {
      case Form::Kind::boolean:
      case Form::Kind::integer: return Value{form.integer};
      case Form::Kind::real:
      case Form::Kind::string:
      case Form::Kind::keyword:
      case Form::Kind::symbol: return Value{std::string(form.text)};
      case Form::Kind::nil:
      case Form::Kind::list:
      case Form::Kind::map: break;
    }
    return Value{};
  }

  std::string_view read_token() {
    const size_t start = pos_;
    while (pos_ < text_.size() && !kEndsEdnToken[static_cast<unsigned char>(text_[pos_])]) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // A string without escapes is a view of the text; one with escapes is decoded into `decoded_`.
  // An escaped line break does not count as a line.
  std::string_view read_string() {
    const size_t start = ++pos_;  // past the opening quote
    while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\') {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '"') return text_.substr(start, pos_++ - start);
    decoded_.assign(text_.substr(start, pos_ - start));
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\n') ++line_;
      if (c == '\\' && pos_ < text_.size()) {
        const char e = text_[pos_++];
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      decoded_.push_back(c);
    }
    if (pos_ >= text_.size()) fail("unclosed string");
    ++pos_;
    return decoded_;
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
  int depth_ = 0;  // maps and sequences open
  std::string decoded_;
};

// Calls `each(line, number)` for every line of `text` (numbered from 1), as std::getline splits them.
template <typename Each>
void for_each_line(std::string_view text, Each each) {
  int number = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    each(text.substr(start, end - start), ++number);
    start = end + 1;
  }
}

std::optional<HistoryEvent::Type> event_type(std::string_view name) {
  if (name == "invoke") return HistoryEvent::Type::invoke;
  if (name == "ok") return HistoryEvent::Type::ok;
  if (name == "fail") return HistoryEvent::Type::fail;
  if (name == "info") return HistoryEvent::Type::info;
  return std::nullopt;
}

// Jepsen's EDN histories: operations' maps, alone or in collections. A top-level form is read
// whole before the first error in its operations is reported, so that a form that is not EDN is
// reported as such wherever in it the error is.
class EdnHistoryReader {
 public:
  EdnHistoryReader(std::string_view text, const std::string& name) : reader_(text, name), name_(name) {}

  History read() {
    while (!reader_.at_end()) {
      read_top_level_form();
      if (first_error_) throw *first_error_;
    }
    return std::move(history_);
  }

 private:
  void read_top_level_form() {
    reader_.next_form();
    if (const char end = reader_.open_sequence()) {
      while (!reader_.close(end)) read_operation_form();
    } else {
      read_operation_form();
    }
  }

  void read_operation_form() {
    const int line = reader_.next_form();
    if (reader_.open_map()) return read_operation(line);
    reader_.read();
    note_error(line, "expected a map of an operation");
  }

  // An operation's entries, after its '{'. Events that are not a client's (a nemesis's, whose
  // process is not a number) are skipped.
  void read_operation(int line) {
    using Kind = EdnReader::Form::Kind;
    HistoryEvent event;
    event.line = line;
    bool has_type = false, has_process = false;
    bool skip_rest = false;  // the event is skipped or wrong: the rest of its map is only read
    reader_.read_entries([&](const EdnReader::Form& key) {
      const std::string_view field = !skip_rest && key.kind == Kind::keyword ? key.text : std::string_view();
      if (field == "value") {
        reader_.read(&event.value);
        return;
      }
      const EdnReader::Form value = reader_.read();
      if (field == "process") {
        skip_rest = value.kind != Kind::integer;  // :nemesis and the like
        if (skip_rest) return;
        event.process = value.integer;
        has_process = true;
      } else if (field == "type") {
        const auto type = event_type(value.text);
        skip_rest = !type;
        if (skip_rest) return note_error(line, "unknown :type :" + std::string(value.text));
        event.type = *type;
        has_type = true;
      } else if (field == "f") {
        event.f = value.text;
      } else if (field == "key") {
        event.key = value.kind == Kind::integer ? std::to_string(value.integer) : std::string(value.text);
      }
    });
    if (skip_rest) return;
    if (!has_type) return note_error(line, "an operation without :type");
    if (has_process) history_.push_back(std::move(event));
  }

  void note_error(int line, const std::string& message) {
    if (!first_error_) first_error_.emplace(name_, line, message);
  }

  EdnReader reader_;
  const std::string& name_;
  History history_;
  std::optional<ParseError> first_error_;  // in the top-level form being read
};

// The next whitespace-separated word of `text`, taken off its front (as `std::istream >>` reads it).
std::string_view take_word(std::string_view& text) {
  size_t start = 0;
  while (start < text.size() && is_space(text[start])) ++start;
  size_t end = start;
  while (end < text.size() && !is_space(text[end])) ++end;
  const std::string_view word = text.substr(start, end - start);
  text.remove_prefix(end);
  return word;
}

// INFO  jepsen.util - 3	:ok	:read	nil
History parse_jepsen_log(std::string_view text, const std::string& name) {
  constexpr std::string_view kMarker = "jepsen.util - ";
  History history;
  for_each_line(text, [&](std::string_view line, int number) {
    const size_t marker = line.find(kMarker);
    if (marker == std::string_view::npos) return;  // other log lines
    std::string_view rest = line.substr(marker + kMarker.size());
    const std::string_view process = take_word(rest), type = take_word(rest), f = take_word(rest);
    if (process.empty() || type.size() < 2 || f.size() < 2 || type[0] != ':' || f[0] != ':') {
      throw ParseError(name, number, "expected <process> :<type> :<f> <value>");
    }
    if (process.find_first_not_of("0123456789") != std::string_view::npos) return;  // :nemesis
    HistoryEvent event;
    event.line = number;
    if (std::from_chars(process.data(), process.data() + process.size(), event.process).ec != std::errc()) {
      throw ParseError(name, number, "process " + std::string(process) + " is out of range");
    }
    const auto kind = event_type(type.substr(1));
    if (!kind) throw ParseError(name, number, "unknown type " + std::string(type));
    event.type = *kind;
    event.f = f.substr(1);
    EdnReader value_reader(rest, name);
    if (!value_reader.at_end()) value_reader.read(&event.value);
    history.push_back(std::move(event));
  });
  return history;
}

// The JSON that history lines are commonly made of, read without building a document: strings of
// printable ASCII without escapes, integers that fit in 64 bits, null, booleans, and arrays of
// these. Each read answers false on anything else, for nlohmann's parser to read instead.
class PlainJson {
 public:
  explicit PlainJson(std::string_view text) : text_(text) {}

  bool consume(char c) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }

  bool read_string(std::string_view* out) {
    if (!consume('"')) return false;
    const size_t start = pos_;
    while (pos_ < text_.size() && is_plain(text_[pos_])) ++pos_;
    if (pos_ >= text_.size() || text_[pos_] != '"') return false;
    *out = text_.substr(start, pos_++ - start);
    return true;
  }

  // JSON's integers: no leading zeros, no fraction or exponent (those are floating point).
  bool read_integer(int64_t* out) {
    skip_space();
    const size_t digits = pos_ + (text_.substr(pos_, 1) == "-");
    size_t end = digits;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    const bool leading_zero = end - digits > 1 && text_[digits] == '0';
    const bool floating = end < text_.size() && (text_[end] == '.' || text_[end] == 'e' || text_[end] == 'E');
    if (end == digits || leading_zero || floating) return false;
    if (std::from_chars(text_.data() + pos_, text_.data() + end, *out).ec != std::errc()) return false;
    pos_ = end;
    return true;
  }

  bool read_null() { return read_word("null"); }

  // A value as the full parser's json_value makes it (booleans as 0 and 1); only checked when
  // `out` is null.
  bool read_value(Value* out) {
    skip_space();
    if (pos_ >= text_.size()) return false;
    if (text_[pos_] == '[') return read_array(out);
    Value value;
    std::string_view text;
    int64_t integer = 0;
    if (text_[pos_] == '"') {
      if (!read_string(&text)) return false;
      value.v = std::string(text);
    } else if (read_word("true")) {
      value.v = int64_t{1};
    } else if (read_word("false")) {
      value.v = int64_t{0};
    } else if (read_integer(&integer)) {
      value.v = integer;
    } else if (!read_null()) {
      return false;
    }
    if (out) *out = std::move(value);
    return true;
  }

 private:
  static bool is_plain(char c) { return c >= ' ' && c <= '~' && c != '"' && c != '\\'; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' || text_[pos_] == '\n')) ++pos_;
  }

  bool read_word(std::string_view word) {
    skip_space();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool read_array(Value* out) {
    // Too deep for this reader: the full one says why.
    if (depth_ == kMaxDepth) return false;
    ++pos_;  // '['
    ++depth_;
    std::vector<Value> items;
    if (!consume(']')) {
      do {
        if (!read_value(out ? &items.emplace_back() : nullptr)) return false;
      } while (consume(','));
      if (!consume(']')) return false;
    }
    --depth_;
    if (out) out->v = std::move(items);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;  // arrays open
};

// The common shape of a history line, {"faultline_history":{...}} as the SDK writes it or the bare
// object, in plain JSON, read without building a JSON document (which took nine tenths of the time
// of reading a history). Any other line, including every wrong one, is left to read_json_line.
class PlainHistoryLine {
 public:
  explicit PlainHistoryLine(std::string_view line) : json_(line) {}

  // The line's operation; std::nullopt when the line is not of the common shape.
  std::optional<HistoryEvent> read() {
    std::string_view name;
    if (!json_.consume('{') || !json_.read_string(&name)) return std::nullopt;
    if (name == "faultline_history") {
      if (!json_.consume(':') || !json_.consume('{') || !json_.read_string(&name) || !read_members(name) ||
          !json_.consume('}')) {
        return std::nullopt;
      }
    } else if (!read_members(name)) {
      return std::nullopt;
    }
    if (!json_.at_end() || !has_type_ || !has_process_) return std::nullopt;
    return std::move(event_);
  }

 private:
  // An object's members from the first one's name to the closing brace. A name given twice: the
  // last value stands, as in nlohmann's objects.
  bool read_members(std::string_view name) {
    while (json_.consume(':') && read_member(name)) {
      if (!json_.consume(',')) return json_.consume('}');
      if (!json_.read_string(&name)) return false;
    }
    return false;
  }

  bool read_member(std::string_view name) {
    std::string_view text;
    if (name == "process") return has_process_ = json_.read_integer(&event_.process);
    if (name == "type") {
      const auto type = json_.read_string(&text) ? event_type(text) : std::nullopt;
      event_.type = type.value_or(event_.type);
      return has_type_ = type.has_value();
    }
    if (name == "f") {
      if (!json_.read_string(&text)) return false;
      event_.f = text;
      return true;
    }
    if (name == "key") {
      if (json_.read_null()) {
        event_.key.reset();
        return true;
      }
      if (!json_.read_string(&text)) return false;
      event_.key = std::string(text);
      return true;
    }
    if (name == "value") return json_.read_value(&event_.value);
    return name != "faultline_history" && json_.read_value(nullptr);  // "time", and anything else
  }

  PlainJson json_;
  HistoryEvent event_;
  bool has_type_ = false, has_process_ = false;
};

// nlohmann's parser is iterative, and its values are destroyed without recursion; this conversion
// recurses, up to kMaxDepth (nullopt past it).
std::optional<Value> json_value(const nlohmann::json& j, int depth = 0) {
  if (depth > kMaxDepth) return std::nullopt;
  Value v;
  if (j.is_number_integer()) v.v = j.get<int64_t>();
  else if (j.is_string()) v.v = j.get<std::string>();
  else if (j.is_boolean()) v.v = static_cast<int64_t>(j.get<bool>());
  else if (j.is_number()) v.v = j.dump();
  else if (j.is_array()) {
    std::vector<Value> items;
    for (const auto& item : j) {
      std::optional<Value> value = json_value(item, depth + 1);
      if (!value) return std::nullopt;
      items.push_back(std::move(*value));
    }
    v.v = std::move(items);
  }
  return v;
}

// Any line, by nlohmann's parser: its operation, or std::nullopt for a line that is not one.
std::optional<HistoryEvent> read_json_line(std::string_view line, const std::string& name, int number) {
  const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ParseError(name, number, "not a JSON object");
  const nlohmann::json& op = j.contains("faultline_history") ? j["faultline_history"] : j;
  if (!op.is_object() || !op.contains("type")) return std::nullopt;
  HistoryEvent event;
  if (!op.contains("process") || !op["process"].is_number_integer()) throw ParseError(name, number, "no integer process");
  event.process = op["process"].get<int64_t>();
  const auto kind = event_type(op.value("type", ""));
  if (!kind) throw ParseError(name, number, "type must be invoke, ok, fail or info");
  event.type = *kind;
  event.f = op.value("f", "");
  if (op.contains("key") && !op["key"].is_null()) {
    // dump() recurses as deep as the key nests.
    if (!json_value(op["key"])) throw ParseError(name, number, "key " + kTooDeep);
    event.key = op["key"].is_string() ? op["key"].get<std::string>() : op["key"].dump();
  }
  if (op.contains("value")) {
    std::optional<Value> value = json_value(op["value"]);
    if (!value) throw ParseError(name, number, "value " + kTooDeep);
    event.value = std::move(*value);
  }
  return event;
}

// faultline's history lines: {"faultline_history": {...}} as the SDK writes them, or the bare
// object. Other lines of an SDK file (its header, assertions) are skipped.
History parse_faultline(std::string_view text, const std::string& name) {
  History history;
  for_each_line(text, [&](std::string_view line, int number) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    std::optional<HistoryEvent> event = PlainHistoryLine(line).read();
    if (!event) event = read_json_line(line, name, number);
    if (!event) return;
    event->line = number;
    history.push_back(std::move(*event));
  });
  return history;
}

// The whole file: one read into a string of the file's size (a string grown as the file is read
// cost as much as parsing it), then whatever more there is (a file that grew, a pipe).
std::string read_text(std::ifstream& in, const std::filesystem::path& path) {
  std::error_code unknown_size;
  const uintmax_t size = std::filesystem::file_size(path, unknown_size);
  std::string text(unknown_size ? 0 : size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  std::array<char, 1 << 16> piece;
  while (in.read(piece.data(), piece.size()) || in.gcount() > 0) text.append(piece.data(), static_cast<size_t>(in.gcount()));
  return text;
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
    case Format::automatic: return EdnHistoryReader(text, name).read();
  }
  return {};
}

History load_history(const std::filesystem::path& path, Format format) {
  std::ifstream in(path);
  if (!in) throw ParseError(path.string(), 0, "cannot read the file");
  return parse_history(read_text(in, path), format, path.string());
}

}  // namespace faultline::check
