#include "nftables.h"

#include <nftables/libnftables.h>

namespace faultline::env::local {

std::string run_nft(const std::string& script) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return "cannot create an nftables context";
  nft_ctx_buffer_error(ctx);
  nft_ctx_buffer_output(ctx);
  const int rc = nft_run_cmd_from_buffer(ctx, script.c_str());
  std::string error;
  if (rc != 0) {
    const char* text = nft_ctx_get_error_buffer(ctx);
    error = text != nullptr && *text ? text : "nft failed";
    while (!error.empty() && error.back() == '\n') error.pop_back();
  }
  nft_ctx_free(ctx);
  return error;
}

}  // namespace faultline::env::local
