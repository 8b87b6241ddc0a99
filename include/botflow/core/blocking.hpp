// Runs blocking work (database, hashing, extraction) on a thread pool, off the IO threads.
#pragma once
#include <exception>
#include <type_traits>
#include <variant>

#include "botflow/core/asio.hpp"

namespace botflow {

/// Runs f() on `pool`; the caller resumes on its own executor; f's exception is rethrown there.
/// f returning void yields std::monostate.
template <class F, class R0 = std::invoke_result_t<F&>,
          class R = std::conditional_t<std::is_void_v<R0>, std::monostate, R0>>
asio::awaitable<R> run_blocking(asio::thread_pool& pool, F f) {
    static_assert(std::is_default_constructible_v<R>, "return std::optional<T> instead");
    auto init = [&pool, f = std::move(f)](auto handler) mutable {
        auto home = asio::make_work_guard(asio::get_associated_executor(handler));
        asio::post(pool,
                   [f = std::move(f), h = std::move(handler), home = std::move(home)]() mutable {
                       std::exception_ptr error;
                       R result{};
                       try {
                           if constexpr (std::is_void_v<R0>) {
                               f();
                           } else {
                               result = f();
                           }
                       } catch (...) {
                           error = std::current_exception();
                       }
                       auto executor = home.get_executor();
                       auto deliver = [h = std::move(h), error, r = std::move(result)]() mutable {
                           h(error, std::move(r));
                       };
                       asio::post(executor, std::move(deliver));
                   });
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                            void(std::exception_ptr, R)>(std::move(init),
                                                                         asio::use_awaitable);
}

}  // namespace botflow
