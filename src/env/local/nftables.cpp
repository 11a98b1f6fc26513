#include "nftables.h"

#include <nftables/libnftables.h>

#include <stdexcept>

namespace faultline::env::local {

Nftables::Nftables() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (ctx_ == nullptr) throw std::runtime_error("cannot create an nftables context");
  nft_ctx_buffer_error(ctx_);
  nft_ctx_buffer_output(ctx_);
}

Nftables::~Nftables() { nft_ctx_free(ctx_); }

std::string Nftables::run(const std::string& script) {
  const int rc = nft_run_cmd_from_buffer(ctx_, script.c_str());
  // Reading the buffers empties them for the next run.
  nft_ctx_get_output_buffer(ctx_);
  const char* text = nft_ctx_get_error_buffer(ctx_);
  if (rc == 0) return "";
  std::string error = text != nullptr && *text ? text : "nft failed";
  while (!error.empty() && error.back() == '\n') error.pop_back();
  return error;
}

}  // namespace faultline::env::local
