// faultline SDK: assertions, for C++.
//
// Each macro is one property of the test, identified by its message (which must be a string
// literal-like constant: the same message at two call sites is one property). Every assertion
// compiled into the program is declared before main runs, so a property that is never reached
// still shows in the report. The semantics are the Antithesis platform's (docs/sdk.md):
//
//   FAULTLINE_ALWAYS(cond, message, details...)                 true every time, and reached
//   FAULTLINE_ALWAYS_OR_UNREACHABLE(cond, message, details...)  true every time it is reached
//   FAULTLINE_SOMETIMES(cond, message, details...)              true at least once
//   FAULTLINE_REACHABLE(message, details...)                    reached at least once
//   FAULTLINE_UNREACHABLE(message, details...)                  never reached
//
// `details...` is optional: the members of a faultline::JsonObject, e.g.
//   FAULTLINE_ALWAYS(got == want, "Reads see the last write", {{"key", k}, {"got", got}});
// Details are built only when a line is written (the first pass and the first fail of each
// assertion in a process), so they cost nothing on the hot path.
#ifndef FAULTLINE_ASSERT_H_
#define FAULTLINE_ASSERT_H_

#include <array>
#include <initializer_list>
#include <string>
#include <utility>

#include "faultline/json.h"
#include "faultline/sdk.h"

#if defined(__has_include)
#if __has_include(<source_location>)
#include <source_location>
#endif
#endif

namespace faultline::detail {

// Declares a site before main: instantiating Declared<&site>::value runs its initializer during
// static initialization. Sites are constant-initialized, so they are complete by then, and a site in
// an inline function shared by several translation units is declared once.
template <faultline_site* Site>
struct Declared {
  static inline const bool value = (faultline_site_register(Site), true);
};

// Writes the evaluation line of `site` with the details object (out of line: the cold path).
void emit(faultline_site& site, bool condition, const JsonObject& details);

// Counts one evaluation; builds the details only when the line must be written.
template <typename MakeDetails>
inline void evaluate(faultline_site& site, bool condition, MakeDetails&& make_details) {
  if (__builtin_expect(faultline_site_record(&site, condition ? 1 : 0) != 0, 0)) {
    emit(site, condition, make_details());
  }
}

// Details as a JsonObject from the macros' optional trailing argument.
inline JsonObject make_details() { return JsonObject(); }
inline JsonObject make_details(JsonObject details) { return details; }

// Details with extra members (the left and right of a numeric assertion, the named booleans of
// AlwaysSome and SometimesAll); extra members replace user members of the same name.
inline JsonObject with_members(JsonObject details, const JsonObject& extra) {
  for (const auto& [key, value] : extra) details.insert_or_assign(key, value);
  return details;
}

// One named boolean of FAULTLINE_NAMED_LIST.
struct NamedBool {
  const char* name;
  bool value;
};

// The reductions below take any range of two-member {name, bool} elements: NamedBool from
// FAULTLINE_NAMED_LIST, or std::pair<std::string, bool>.
template <typename NamedBools>
bool any_true(const NamedBools& bools) {
  for (const auto& [name, value] : bools) {
    if (value) return true;
  }
  return false;
}

template <typename NamedBools>
bool all_true(const NamedBools& bools) {
  for (const auto& [name, value] : bools) {
    if (!value) return false;
  }
  return true;
}

template <typename NamedBools>
JsonObject to_object(const NamedBools& bools) {
  JsonObject object;
  for (const auto& [name, value] : bools) object.insert_or_assign(std::string(name), value);
  return object;
}

}  // namespace faultline::detail

#if defined(__has_builtin)
#if __has_builtin(__builtin_COLUMN)
#define FAULTLINE_COLUMN_ __builtin_COLUMN()
#endif
#endif
#if !defined(FAULTLINE_COLUMN_) && defined(__cpp_lib_source_location)
#define FAULTLINE_COLUMN_ static_cast<int32_t>(std::source_location::current().column())
#endif
#ifndef FAULTLINE_COLUMN_
#define FAULTLINE_COLUMN_ 0
#endif

// Declares a call site before main (see Declared; clang uses the linker section of <faultline/sdk.h>).
#if defined(__clang__)
#define FAULTLINE_DECLARE_SITE_(site) FAULTLINE_SECTION_DECLARE_(site)
#else
#define FAULTLINE_DECLARE_SITE_(site) (void)::faultline::detail::Declared<&(site)>::value
#endif

// One call site: a constant-initialized site, declared before main, evaluated here.
#define FAULTLINE_ASSERT_SITE_(kind_, condition, message_, ...)                                    \
  do {                                                                                           \
    static constinit faultline_site faultline_site_{(message_), __FILE__, __func__, __LINE__,    \
                                                    FAULTLINE_COLUMN_, (kind_), 0, 0, 0, 0, 0};  \
    FAULTLINE_DECLARE_SITE_(faultline_site_);                                                    \
    ::faultline::detail::evaluate(faultline_site_, static_cast<bool>(condition),                 \
                                  [&]() { return __VA_ARGS__; });                                  \
  } while (0)

#define FAULTLINE_ALWAYS(condition, message, ...)                              \
  FAULTLINE_ASSERT_SITE_(FAULTLINE_KIND_ALWAYS, condition, message,            \
                         ::faultline::detail::make_details(__VA_ARGS__))
#define FAULTLINE_ALWAYS_OR_UNREACHABLE(condition, message, ...)               \
  FAULTLINE_ASSERT_SITE_(FAULTLINE_KIND_ALWAYS_OR_UNREACHABLE, condition, message, \
                         ::faultline::detail::make_details(__VA_ARGS__))
#define FAULTLINE_SOMETIMES(condition, message, ...)                           \
  FAULTLINE_ASSERT_SITE_(FAULTLINE_KIND_SOMETIMES, condition, message,         \
                         ::faultline::detail::make_details(__VA_ARGS__))
#define FAULTLINE_REACHABLE(message, ...)                                      \
  FAULTLINE_ASSERT_SITE_(FAULTLINE_KIND_REACHABLE, true, message,              \
                         ::faultline::detail::make_details(__VA_ARGS__))
#define FAULTLINE_UNREACHABLE(message, ...)                                    \
  FAULTLINE_ASSERT_SITE_(FAULTLINE_KIND_UNREACHABLE, false, message,           \
                         ::faultline::detail::make_details(__VA_ARGS__))

// Numeric assertions: `left OP right`, with "left" and "right" added to the details. Each operand
// is evaluated exactly once.
#define FAULTLINE_NUMERIC_ASSERT_(kind_, left_expr, op, right_expr, message, ...)                  \
  do {                                                                                           \
    const auto faultline_left_ = (left_expr);                                                    \
    const auto faultline_right_ = (right_expr);                                                  \
    FAULTLINE_ASSERT_SITE_(kind_, faultline_left_ op faultline_right_, message,                  \
                           ::faultline::detail::with_members(                                    \
                               ::faultline::detail::make_details(__VA_ARGS__),                   \
                               ::faultline::JsonObject{{"left", faultline_left_},                \
                                                       {"right", faultline_right_}}));           \
  } while (0)

#define FAULTLINE_ALWAYS_GREATER_THAN(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_ALWAYS, left, >, right, message, __VA_ARGS__)
#define FAULTLINE_ALWAYS_GREATER_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_ALWAYS, left, >=, right, message, __VA_ARGS__)
#define FAULTLINE_ALWAYS_LESS_THAN(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_ALWAYS, left, <, right, message, __VA_ARGS__)
#define FAULTLINE_ALWAYS_LESS_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_ALWAYS, left, <=, right, message, __VA_ARGS__)
#define FAULTLINE_SOMETIMES_GREATER_THAN(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_SOMETIMES, left, >, right, message, __VA_ARGS__)
#define FAULTLINE_SOMETIMES_GREATER_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_SOMETIMES, left, >=, right, message, __VA_ARGS__)
#define FAULTLINE_SOMETIMES_LESS_THAN(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_SOMETIMES, left, <, right, message, __VA_ARGS__)
#define FAULTLINE_SOMETIMES_LESS_THAN_OR_EQUAL_TO(left, right, message, ...) \
  FAULTLINE_NUMERIC_ASSERT_(FAULTLINE_KIND_SOMETIMES, left, <=, right, message, __VA_ARGS__)

// Named booleans for the two assertions below: FAULTLINE_NAMED_LIST(a, b) is the list
// {"a", a}, {"b", b} (as one parenthesized expression, so that it passes through other macros whole).
#define FAULTLINE_NL1_(x) ::faultline::detail::NamedBool{#x, static_cast<bool>(x)}
#define FAULTLINE_NL2_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL1_(__VA_ARGS__)
#define FAULTLINE_NL3_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL2_(__VA_ARGS__)
#define FAULTLINE_NL4_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL3_(__VA_ARGS__)
#define FAULTLINE_NL5_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL4_(__VA_ARGS__)
#define FAULTLINE_NL6_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL5_(__VA_ARGS__)
#define FAULTLINE_NL7_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL6_(__VA_ARGS__)
#define FAULTLINE_NL8_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL7_(__VA_ARGS__)
#define FAULTLINE_NL9_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL8_(__VA_ARGS__)
#define FAULTLINE_NL10_(x, ...) FAULTLINE_NL1_(x), FAULTLINE_NL9_(__VA_ARGS__)
#define FAULTLINE_NL_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, N, ...) N
#define FAULTLINE_NAMED_LIST(...)                                                             \
  (std::array{FAULTLINE_NL_PICK_(__VA_ARGS__, FAULTLINE_NL10_, FAULTLINE_NL9_, FAULTLINE_NL8_,  \
                                 FAULTLINE_NL7_, FAULTLINE_NL6_, FAULTLINE_NL5_, FAULTLINE_NL4_, \
                                 FAULTLINE_NL3_, FAULTLINE_NL2_, FAULTLINE_NL1_)(__VA_ARGS__)})

// AlwaysSome: at least one of the named booleans is true, every time. SometimesAll: all of them
// are true at least once. `named_bools` is a FAULTLINE_NAMED_LIST(...), or any range of
// {name, bool} pairs; the booleans go into the details.
#define FAULTLINE_BOOLS_ASSERT_(kind_, reduce, named_bools, message, ...)                         \
  do {                                                                                           \
    const auto& faultline_bools_ = named_bools;                        \
    FAULTLINE_ASSERT_SITE_(kind_, ::faultline::detail::reduce(faultline_bools_), message,        \
                           ::faultline::detail::with_members(                                    \
                               ::faultline::detail::make_details(__VA_ARGS__),                   \
                               ::faultline::detail::to_object(faultline_bools_)));               \
  } while (0)

#define FAULTLINE_ALWAYS_SOME(named_bools, message, ...) \
  FAULTLINE_BOOLS_ASSERT_(FAULTLINE_KIND_ALWAYS, any_true, named_bools, message, __VA_ARGS__)
#define FAULTLINE_SOMETIMES_ALL(named_bools, message, ...) \
  FAULTLINE_BOOLS_ASSERT_(FAULTLINE_KIND_SOMETIMES, all_true, named_bools, message, __VA_ARGS__)

#endif  // FAULTLINE_ASSERT_H_
