#include <faultline/faultline.h>

int main() {
  FAULTLINE_ALWAYS(true, "Consumer assertion", {{"from", "installed SDK"}});
  return 0;
}
