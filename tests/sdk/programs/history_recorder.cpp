// Records a small history: an ok put, an ok get, a failed put, an unknown put (after which the
// client continues under a new process id), and an operation left open (recorded as unknown).
#include <faultline/faultline.h>

int main() {
  faultline::history::Client client;
  client.invoke("put", "k", "v1").ok();
  client.invoke("get", "k").ok("v1");
  client.invoke("put", "k", "never").fail();
  client.invoke("put", "k", "maybe").info();
  { auto abandoned = client.invoke("get", "k"); }
  faultline_history_record(faultline_history_new_process(), "invoke", "read", nullptr, "null");
  return 0;
}
