// The one way to include Asio: the pieces our coroutine code uses, and the `asio` alias.
#pragma once
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility> (fails on g++ 12),
// so <utility> comes first.
#include <utility>
// Then Asio.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;
