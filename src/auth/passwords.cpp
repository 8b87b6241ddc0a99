#include "botflow/auth/passwords.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

#include "botflow/core/error.hpp"

namespace botflow::auth {

void init_crypto() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void check_password_rules(std::string_view password, const std::string& field) {
    if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
        std::string message = "must be 10 to 1024 bytes long";
        throw Error(Errc::unprocessable, "The password " + message + ".", {}, {{field, message}});
    }
}

std::string hash_password(std::string_view password) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(
            out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("argon2id hashing ran out of memory");
    }
    return out;
}

bool verify_password(std::string_view password, const std::string& hash) {
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

namespace {
const std::string& dummy_hash() {
    static const std::string dummy = hash_password(random_token(24));
    return dummy;
}
}  // namespace

void prepare_dummy_hash() { (void)dummy_hash(); }

void verify_password_dummy(std::string_view password) {
    (void)verify_password(password, dummy_hash());
}

std::string random_token(std::size_t bytes) {
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                      raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::strlen(out.c_str()));
    return out;
}

}  // namespace botflow::auth
