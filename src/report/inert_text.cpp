#include "inert_text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace faultline::report {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

std::string hex_escape(unsigned byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
  return buffer;
}

std::string unicode_escape(uint32_t code_point) {
  char buffer[12];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", code_point);
  return buffer;
}

// Code points that steer a terminal or the direction of text, though printable in UTF-8.
bool is_steering(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

// The length of the UTF-8 sequence starting at `s[i]` and its code point; 0 when it is not valid
// (overlong forms, surrogates and values past U+10FFFF included).
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  size_t length;
  uint32_t value, minimum;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, value = lead & 0x1f, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, value = lead & 0x0f, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    value = value << 6 | (byte(i + k) & 0x3f);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
  *cp = value;
  return length;
}

std::string escape_all(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '\t': out += '\t'; break;
        case '\n': out += keep_newlines ? "\n" : "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\v': out += "\\v"; break;
        case '\0': out += "\\0"; break;
        default: out += (c < 0x20 || c == 0x7f) ? hex_escape(c) : std::string(1, static_cast<char>(c));
      }
      continue;
    }
    uint32_t cp = 0;
    const size_t length = utf8_sequence(text, i, &cp);
    if (length == 0) {
      out += kReplacement;
      ++i;
    } else {
      out += is_steering(cp) ? unicode_escape(cp) : std::string(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

// Cuts at a character boundary at or before `at`.
size_t boundary_before(std::string_view s, size_t at) {
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xc0) == 0x80) --at;
  return at;
}

}  // namespace

std::string inert(std::string_view text, const InertOptions& options) {
  std::string out = escape_all(text, options.keep_newlines);
  const size_t max = std::max<size_t>(options.max_bytes, 16);
  if (out.size() <= max) return out;
  if (!options.keep_end || max < 64) return out.substr(0, boundary_before(out, max - 3)) + "...";
  // The start and the end: where a value begins, and its latest part.
  const size_t head = boundary_before(out, max / 3);
  const size_t tail = boundary_before(out, out.size() - (max - head - 40));
  return out.substr(0, head) + " ...(" + std::to_string(tail - head) + " bytes)... " + out.substr(tail);
}

}  // namespace faultline::report
