#include <antithesis_sdk.h>

int main() {
  SOMETIMES(true, "Consumer drop-in assertion");
  return 0;
}
