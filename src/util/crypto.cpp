#include "botflow/util/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>

namespace botflow::util {

std::string sha256(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string hmac_sha256(const Secret& key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.reveal().data(), static_cast<int>(key.reveal().size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
    static const char* kHex = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
    }
    return out;
}

namespace {

constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;

std::string seal_key(const Secret& secret) { return sha256("botflow.seal.v1:" + secret.reveal()); }

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

std::string seal(const Secret& secret, std::string_view plain) {
    auto key = seal_key(secret);
    std::string out(kNonce + plain.size() + kTag, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(nonce, static_cast<int>(kNonce)) != 1) {
        throw std::runtime_error("no random bytes for a nonce");
    }
    Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int len = 0;
    bool ok = ctx &&
              EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                 reinterpret_cast<const unsigned char*>(key.data()), nonce) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nonce + kNonce, &len,
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), nonce + kNonce + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag),
                                  nonce + kNonce + plain.size()) == 1;
    if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
    return out;
}

std::string unseal(const Secret& secret, std::string_view sealed) {
    if (sealed.size() < kNonce + kTag) throw std::runtime_error("sealed data too short");
    auto key = seal_key(secret);
    const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
    std::size_t n = sealed.size() - kNonce - kTag;
    std::string out(n, '\0');
    std::string tag(sealed.substr(kNonce + n));
    Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int len = 0;
    bool ok = ctx &&
              EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                 reinterpret_cast<const unsigned char*>(key.data()), nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                                nonce + kNonce, static_cast<int>(n)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag),
                                  tag.data()) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len,
                                  &len) == 1;
    if (!ok) throw std::runtime_error("sealed data does not open with this key");
    return out;
}

}  // namespace botflow::util
