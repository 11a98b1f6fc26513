/* faultline SDK: the C ABI.
 *
 * Everything the SDK does is reachable through these functions, so that C programs and other
 * languages' foreign-function interfaces get the same behaviour as the C++ API (which is built on
 * them). Output goes to the file named by ANTITHESIS_SDK_LOCAL_OUTPUT, else to
 * $ANTITHESIS_OUTPUT_DIR/sdk.jsonl, else nowhere; the lines are those of the official Antithesis
 * SDKs (docs/sdk.md).
 *
 * All functions are thread-safe. None of them ever terminates the program or changes errno.
 */
#ifndef FAULTLINE_SDK_H_
#define FAULTLINE_SDK_H_

#include <stddef.h> /* NULL, for details_json */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The five assertion kinds of the Antithesis platform (spec section 3). */
typedef enum faultline_assert_kind {
  FAULTLINE_KIND_ALWAYS = 0,
  FAULTLINE_KIND_ALWAYS_OR_UNREACHABLE = 1,
  FAULTLINE_KIND_SOMETIMES = 2,
  FAULTLINE_KIND_REACHABLE = 3,
  FAULTLINE_KIND_UNREACHABLE = 4
} faultline_assert_kind;

/* One assertion call site. The assertion macros create one per call site with static storage, so
 * that every assertion compiled into a program is declared (its catalog line) before main runs.
 * A program that builds sites itself (a language binding, say) must keep each one alive for the
 * rest of the process, set the first six fields, zero the rest and register it once with
 * faultline_site_register. The fields after `column` belong to the SDK. */
typedef struct faultline_site {
  const char* message; /* also the property's id, as in every official SDK */
  const char* file;
  const char* function;
  int32_t line;
  int32_t column;
  int32_t kind; /* a faultline_assert_kind */
  uint32_t state_;
  uint64_t passes_;
  uint64_t fails_;
  uint64_t flushed_passes_;
  uint64_t flushed_fails_;
} faultline_site;

/* Declares `site`: writes its catalog line (`"hit": false`) unless a site with the same message was
 * declared before in this process. Calling it again for the same site does nothing. */
void faultline_site_register(faultline_site* site);

/* Declares every site in [begin, end); null entries are skipped. */
void faultline_site_register_range(faultline_site* const* begin, faultline_site* const* end);

/* Counts one evaluation of `site` with outcome `condition` (non-zero is true). Returns non-zero
 * when this is the first true or the first false outcome seen for the site in this process and
 * output is enabled: the caller must then call faultline_site_emit with the same condition. This
 * is the hot path: a few nanoseconds once both outcomes have been seen. */
int faultline_site_record(faultline_site* site, int condition);

/* Writes the evaluation line (`"hit": true`) of `site` with `details_json`, a JSON object as text
 * (NULL for none). Text that is not a JSON object is kept as {"details": "<the text>"}. */
void faultline_site_emit(faultline_site* site, int condition, const char* details_json);

/* Evaluates an assertion in one call: faultline_site_record, then faultline_site_emit when needed. */
void faultline_assert(faultline_site* site, int condition, const char* details_json);

/* Signals that the system under test is ready: the first such line of a run starts the test
 * commands. `details_json` as for faultline_site_emit. */
void faultline_setup_complete(const char* details_json);

/* Writes the line {"<name>": <details>}. */
void faultline_send_event(const char* name, const char* details_json);

/* A random 64-bit value. Under faultline (FAULTLINE_SEED set) the values come from that seed, so a
 * replayed timeline draws the same values in the same order; otherwise from the kernel. */
uint64_t faultline_get_random(void);

/* A uniformly distributed value in [0, bound), without modulo bias; 0 when bound is 0. */
uint64_t faultline_random_below(uint64_t bound);

/* Writes the pass and fail counts of every site that changed since the last flush. The SDK does
 * this every second and at exit; call it before a deliberate abnormal exit (_exit, abort). */
void faultline_flush(void);

/* Whether lines are written anywhere. Evaluations still count when they are not. */
int faultline_output_enabled(void);

/* Operation histories, for faultline's linearizability checker (docs/sdk.md). A client records each
 * operation's invocation, then exactly one completion: "ok" (it took effect, with its result), "fail"
 * (it did not take effect) or "info" (unknown: a timeout, a lost connection). Events go to
 * $ANTITHESIS_OUTPUT_DIR/history.jsonl, one JSON line each, with a monotonic timestamp. */

/* A process id no other client of the run uses. A client that recorded "info" must continue under a
 * new id (as in Jepsen: its operation may still be in flight). */
int64_t faultline_history_new_process(void);

/* Records one event. `type`: "invoke", "ok", "fail" or "info". `f`: the operation (read, write, cas,
 * get, put, append, delete...). `key`: NULL for unkeyed objects. `value_json`: the operation's value
 * as JSON text (the invocation's argument, or the completion's result), or NULL for none. */
void faultline_history_record(int64_t process, const char* type, const char* f, const char* key,
                              const char* value_json);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* Declaring call sites before main through a linker section: each site's address goes into the
 * section faultline_sites, and one constructor per loaded module declares them all (the linker
 * defines the section's bounds). C uses this; so does C++ under clang, which crashes on the
 * template that gcc builds use for the same purpose (<faultline/assert.h>). gcc cannot use it for
 * C++: it refuses to mix the statics of inline functions with others in one section. */
#if !defined(__cplusplus) || defined(__clang__)
#ifdef __cplusplus
extern "C" {
#endif
extern faultline_site* const __start_faultline_sites[] __attribute__((weak, visibility("hidden")));
extern faultline_site* const __stop_faultline_sites[] __attribute__((weak, visibility("hidden")));

__attribute__((weak, visibility("hidden"), constructor)) void faultline_declare_module_sites_(void) {
  faultline_site_register_range(__start_faultline_sites, __stop_faultline_sites);
}
#ifdef __cplusplus
} /* extern "C" */
#endif

#define FAULTLINE_SECTION_DECLARE_(site)                                      \
  static faultline_site* const faultline_site_ref_                            \
      __attribute__((section("faultline_sites"), used)) = &(site);            \
  (void)faultline_site_ref_
#endif

/* The assertion macros for C. C++ code includes <faultline/assert.h> instead, whose macros of the
 * same names take details as a faultline::JsonObject rather than as JSON text. */
#ifndef __cplusplus

#define FAULTLINE_C_ASSERT_(kind_, condition, message_, details_json)                             \
  do {                                                                                           \
    static faultline_site faultline_site_ = {(message_), __FILE__, __func__, __LINE__, 0, (kind_), \
                                             0, 0, 0, 0, 0};                                     \
    FAULTLINE_SECTION_DECLARE_(faultline_site_);                                                 \
    faultline_assert(&faultline_site_, (condition) ? 1 : 0, (details_json));                     \
  } while (0)

/* `details_json` is a JSON object as text, or NULL. */
#define FAULTLINE_ALWAYS(condition, message, details_json) \
  FAULTLINE_C_ASSERT_(FAULTLINE_KIND_ALWAYS, condition, message, details_json)
#define FAULTLINE_ALWAYS_OR_UNREACHABLE(condition, message, details_json) \
  FAULTLINE_C_ASSERT_(FAULTLINE_KIND_ALWAYS_OR_UNREACHABLE, condition, message, details_json)
#define FAULTLINE_SOMETIMES(condition, message, details_json) \
  FAULTLINE_C_ASSERT_(FAULTLINE_KIND_SOMETIMES, condition, message, details_json)
#define FAULTLINE_REACHABLE(message, details_json) \
  FAULTLINE_C_ASSERT_(FAULTLINE_KIND_REACHABLE, 1, message, details_json)
#define FAULTLINE_UNREACHABLE(message, details_json) \
  FAULTLINE_C_ASSERT_(FAULTLINE_KIND_UNREACHABLE, 0, message, details_json)

#endif /* !__cplusplus */

#endif /* FAULTLINE_SDK_H_ */
