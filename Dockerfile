# Patina's container image: the service on its embedded SQLite (or PostgreSQL with
# PATINA_DATABASE_URL), the console included. docs/deployment.md, "The container image".
#
#   docker build --network host -t patina .
#   docker run --network host -v patina-data:/data patina
#
# Both stages are Debian trixie with Debian's own Node.js (20.19), so the image builds wherever
# Debian's packages can be reached (tools/make-debian-base-image.sh makes the base image from
# them where no registry can be). Works with Docker's classic builder: no BuildKit features.

FROM debian:trixie-slim AS build
RUN apt-get update -q \
  && apt-get install -y -q --no-install-recommends nodejs npm python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
# Networks that re-sign TLS: the CA certificates in deploy/docker/extra-ca/ are trusted here, in
# the build stage, and never copied into the final image (deploy/docker/extra-ca/README.md).
COPY deploy/docker/extra-ca/ /tmp/extra-ca/
RUN cat /etc/ssl/certs/ca-certificates.crt > /tmp/trusted-ca.pem \
  && for f in /tmp/extra-ca/*.crt; do [ -e "$f" ] && cat "$f" >> /tmp/trusted-ca.pem; done; true
ENV NODE_EXTRA_CA_CERTS=/tmp/trusted-ca.pem \
  npm_config_cafile=/tmp/trusted-ca.pem \
  npm_config_update_notifier=false \
  npm_config_fund=false \
  npm_config_audit=false

WORKDIR /src
# The manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/contract/package.json packages/contract/
COPY packages/server/package.json packages/server/
COPY packages/console/package.json packages/console/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
COPY packages/verify/package.json packages/verify/
COPY tools/bench/package.json tools/bench/
RUN npm ci

COPY . .
# The server (with the contract) and the console, without the tests' type check (CI's job).
RUN npx tsc -b packages/server/tsconfig.build.json packages/sdk/tsconfig.build.json \
  && npm exec -w @patina/console -- vite build

# What runs: the server, the contract and the built console, with production dependencies only.
RUN npm prune --omit=dev \
  && mkdir -p /opt/patina/packages \
  && cp -a package.json node_modules /opt/patina/ \
  && for p in contract server console; do \
       mkdir -p /opt/patina/packages/$p \
       && cp -a packages/$p/package.json packages/$p/dist /opt/patina/packages/$p/; \
     done \
  && cp -a packages/server/bin /opt/patina/packages/server/ \
  && find /opt/patina/node_modules/@patina -maxdepth 1 -type l \
       ! -name contract ! -name server ! -name console -delete \
  && find /opt/patina/node_modules -name '*.md' -type f -delete \
  && rm -rf /opt/patina/node_modules/.bin /opt/patina/node_modules/better-sqlite3/deps \
       /opt/patina/node_modules/better-sqlite3/src /opt/patina/node_modules/better-sqlite3/build/Release/obj* \
       /opt/patina/node_modules/better-sqlite3/build/Release/.deps

FROM debian:trixie-slim
RUN apt-get update -q \
  && apt-get install -y -q --no-install-recommends nodejs ca-certificates \
  && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
  && groupadd --system --gid 10001 patina \
  && useradd --system --uid 10001 --gid patina --home-dir /data --shell /usr/sbin/nologin patina \
  && mkdir -p /data && chown patina:patina /data && chmod 0700 /data
COPY --from=build /opt/patina /opt/patina
RUN ln -s /opt/patina/packages/server/bin/patina-server.js /usr/local/bin/patina-server

ENV NODE_ENV=production \
  PATINA_HOST=0.0.0.0 \
  PATINA_PORT=7070 \
  PATINA_DATA_DIR=/data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 7070
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PATINA_PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself: it stops accepting, drains in-flight requests
# and exits 0 (patina-server serve).
STOPSIGNAL SIGTERM
ENTRYPOINT ["patina-server"]
CMD ["serve"]
