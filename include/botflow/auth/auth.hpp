// Sign-in for the HTTP layer: the authenticator every non-public route passes through, the
// first owner's bootstrap, and the operator's commands.
#pragma once
#include <string>

#include "botflow/auth/module.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/http/request.hpp"
#include "botflow/http/router.hpp"

namespace botflow::auth {

inline constexpr const char* kSessionCookie = "botflow_session";

/// Checks the bearer token or session cookie, the session in Redis, the route's role and,
/// for cookie sessions changing state, that Origin (or Referer) is PUBLIC_URL's origin. Sets
/// req.principal. Throws Errc::unauthorized, forbidden, or unavailable (Redis down).
asio::awaitable<void> authenticate(Module& mod, http::Request& req, http::Access access);

/// For the routes that need no session (sign-in, registration, invitations, password resets):
/// a request a browser sent from another site's page (its Origin is not PUBLIC_URL's) is
/// refused with Errc::forbidden; one without Origin (curl, a script) is not a page's.
void refuse_foreign_origin(const Module& mod, const http::Request& req);

/// The scheme://host[:port] of a URL.
std::string origin_of(const std::string& url);

/// At start, when no user exists: creates the owner from ADMIN_EMAIL/ADMIN_PASSWORD, or issues
/// and logs a one-time setup token for POST /api/auth/register. Blocks (runs before serving).
void bootstrap_first_owner(const config::Config& config);

/// `botflow create-user EMAIL --role owner|agent [--name NAME]`: prints a one-time link to set
/// the password. Returns the exit code.
int create_user_command(const config::Config& config, const std::string& email,
                        const std::string& role, const std::string& name);
/// `botflow reset-password EMAIL`: prints a one-time reset link valid for an hour.
int reset_password_command(const config::Config& config, const std::string& email);

}  // namespace botflow::auth
