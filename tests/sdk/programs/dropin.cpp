// Written only against the official Antithesis C++ SDK's names: it must build with g++ through
// faultline's drop-in header and write the same lines.
#include <antithesis_sdk.h>

#include <cstdint>
#include <string>
#include <vector>

int main(int argc, char**) {
  antithesis::JSON started{{"argc", argc}};
  antithesis::send_event("main_started", started);
  const bool never = argc > 100;

  ALWAYS(argc >= 1, "Official: always", {{"argc", argc}});
  ALWAYS_OR_UNREACHABLE(true, "Official: always or unreachable");
  SOMETIMES(argc == 1, "Official: sometimes");
  REACHABLE("Official: reachable");
  if (never) UNREACHABLE("Official: unreachable", {{"why", "never"}});

  int a = 4, b = 2;
  ALWAYS_GREATER_THAN(a, b, "Official: a > b");
  SOMETIMES_LESS_THAN(a, b, "Official: sometimes a < b");
  bool x = true, y = false;
  ALWAYS_SOME(NAMED_LIST(x, y), "Official: some of x, y");
  SOMETIMES_ALL(NAMED_LIST(x, y), "Official: all of x, y");

  antithesis::JSON details;
  details["list"] = antithesis::JSONArray{1, 2, 3};
  details["nested"] = antithesis::JSON{{"k", "v"}};
  antithesis::setup_complete(details);

  std::vector<std::string> hosts{"etcd0", "etcd1", "etcd2"};
  auto host = antithesis::random_choice(hosts.begin(), hosts.end());
  uint64_t n = antithesis::get_random() % 100 + 1;
  antithesis::send_event("choices", {{"host", *host}, {"n", n}});
  return 0;
}
