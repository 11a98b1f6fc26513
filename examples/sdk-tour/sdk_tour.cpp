// A tour of the SDK: a toy bank that moves money between accounts and asserts what must hold.
// Run it with ANTITHESIS_SDK_LOCAL_OUTPUT=out.jsonl and read the lines it writes.
#include <faultline/faultline.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <numeric>

int main() {
  std::array<int64_t, 4> balances{100, 100, 100, 100};
  const int64_t total = std::accumulate(balances.begin(), balances.end(), int64_t{0});
  faultline::setup_complete({{"accounts", static_cast<int64_t>(balances.size())}});

  int rejected = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto from = faultline::random_below(balances.size());
    const auto to = faultline::random_below(balances.size());
    const int64_t amount = static_cast<int64_t>(faultline::random_below(60));
    if (balances[from] < amount) {
      ++rejected;
      FAULTLINE_SOMETIMES(true, "Transfers are sometimes rejected for lack of funds",
                          {{"balance", balances[from]}, {"amount", amount}});
      continue;
    }
    balances[from] -= amount;
    balances[to] += amount;
    FAULTLINE_ALWAYS_GREATER_THAN_OR_EQUAL_TO(balances[from], int64_t{0}, "Balances never go negative");
    const int64_t sum = std::accumulate(balances.begin(), balances.end(), int64_t{0});
    FAULTLINE_ALWAYS(sum == total, "Money is neither created nor destroyed", {{"sum", sum}});
    FAULTLINE_SOMETIMES(from == to, "A transfer to the same account happens");
  }
  if (rejected > 999) FAULTLINE_UNREACHABLE("Every transfer is rejected");
  FAULTLINE_REACHABLE("The tour ends");
  faultline::send_event("tour_finished", {{"rejected", rejected}});
  std::printf("sdk_tour: 1000 transfers, %d rejected\n", rejected);
  return 0;
}
