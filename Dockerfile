# Drydock as a container, for self-hosted runners and GHES users who prefer one to the action's
# installed binary: `drydock github` as its entrypoint, with PostgreSQL's server binaries so that
# the local provider works without a Docker socket (with the socket mounted, `postgres: auto`
# uses Docker). Slim: built FROM scratch with the server's binaries and the libraries they load
# only (scripts/action-image/collect.sh): no LLVM, no perl, no package manager.
#
# Build:  docker build --build-arg PG_MAJOR=16 -t ghcr.io/OWNER/drydock:vX .
# The base images are arguments so that they can be built locally where no registry can be
# reached (scripts/action-image/build-local.sh).
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG PG_MAJOR=15

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin drydock \
    && strip target/release/drydock \
    && cp target/release/drydock /usr/local/bin/drydock

FROM ${RUNTIME_IMAGE} AS postgres
ARG PG_MAJOR
# Debian bookworm ships PostgreSQL 15; other major versions come from the PostgreSQL project's
# own repository (apt.postgresql.org).
RUN apt-get update \
    && if [ "$PG_MAJOR" != 15 ]; then \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
        && curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc \
            -o /etc/apt/trusted.gpg.d/apt.postgresql.org.asc \
        && echo "deb http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
            > /etc/apt/sources.list.d/pgdg.list \
        && apt-get update; \
    fi \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "postgresql-$PG_MAJOR" git ca-certificates util-linux
COPY --from=build /usr/local/bin/drydock /usr/local/bin/drydock
COPY scripts/action-image/collect.sh /collect.sh
RUN /collect.sh "$PG_MAJOR" /out && cp -R --parents /usr/local/bin/drydock /out/ \
    && ldd /usr/local/bin/drydock | awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}' \
        | xargs -I{} cp -L --parents {} /out/

FROM scratch
ARG PG_MAJOR
COPY --from=postgres /out /
ENV PATH=/usr/local/bin:/usr/lib/postgresql/${PG_MAJOR}/bin:/usr/bin:/bin \
    LANG=C.UTF-8
ENTRYPOINT ["/usr/local/bin/drydock", "github"]
