# BotFlow: build the server and the dashboard's static export (web/), then run them
# on a slim Debian 12 with only the runtime libraries, as a non-root user.

FROM debian:12-slim AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps build && rm -rf /var/lib/apt/lists/*
COPY . .
# Railway passes the deployed commit; elsewhere: docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD)
ARG RAILWAY_GIT_COMMIT_SHA
ARG GIT_COMMIT=${RAILWAY_GIT_COMMIT_SHA}
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBOTFLOW_TESTS=OFF \
        -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DBOTFLOW_GIT_COMMIT="${GIT_COMMIT:-unknown}" \
    && ninja -C build -j"$(nproc)" \
    && strip build/botflow

FROM node:24-bookworm-slim AS web
WORKDIR /web
# The lockfile first: the npm ci layer is reused until it changes.
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN NEXT_TELEMETRY_DISABLED=1 npm run build

FROM debian:12-slim AS runtime
COPY scripts/install-deps /usr/local/lib/botflow/install-deps
RUN /usr/local/lib/botflow/install-deps runtime && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin botflow
WORKDIR /app
COPY --from=build /src/build/botflow /usr/local/bin/botflow
COPY --from=web /web/out /app/web
ENV WEB_DIR=/app/web \
    LOG_FORMAT=json \
    PORT=8080
USER botflow
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
    CMD curl -fsS "http://127.0.0.1:${PORT}/api/health" >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/botflow"]
CMD ["serve"]
