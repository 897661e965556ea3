#include "util/sha256.h"

#include <openssl/evp.h>

#include "util/exit_codes.h"
#include "util/fatal.h"

namespace orch {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw Fatal(Error{"OpenSSL could not compute SHA-256", "", "is libcrypto intact? (openssl dgst -sha256 /dev/null)",
                      exit_code::kFailed});
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace orch
