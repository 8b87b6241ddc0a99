// libFuzzer target for the multipart parser: any input, fed in the pieces its first bytes
// choose, must parse or throw botflow::Error, never crash, hang or overrun.
//   cmake -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DBOTFLOW_FUZZ=ON && ninja -C build/fuzz
//   build/fuzz/tests/multipart_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "botflow/core/error.hpp"
#include "botflow/http/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    std::size_t step = 1 + data[0] % 97;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        botflow::http::MultipartParser parser("fuzz",
                                              {[](const auto&) {}, [](std::string_view) {}, [] {}});
        for (std::size_t at = 0; at < input.size(); at += step) {
            parser.feed(input.substr(at, step));
        }
        parser.finish();
    } catch (const botflow::Error&) {
    }
    try {
        botflow::http::parse_form(input, "fuzz", {});
    } catch (const botflow::Error&) {
    }
    return 0;
}
