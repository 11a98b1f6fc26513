#include <faultline/sdk.h>

int main(void) {
  FAULTLINE_REACHABLE("Consumer C assertion", NULL);
  return 0;
}
