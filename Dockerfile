# The GitHub Action's image: Drydock plus PostgreSQL server binaries, so the local provider works
# without a Docker socket (the docker provider is used when the socket is mounted).
#
# Build:  docker build -t ghcr.io/OWNER/drydock:vX .
# The base images are arguments so that they can be built locally where no registry can be
# reached (scripts/action-image/build-local.sh).
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin drydock \
    && strip target/release/drydock \
    && cp target/release/drydock /usr/local/bin/drydock

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        postgresql-15 git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    # The workspace is owned by the runner's user, not the container's root.
    && git config --system --add safe.directory '*'
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    LANG=C.UTF-8
COPY --from=build /usr/local/bin/drydock /usr/local/bin/drydock
ENTRYPOINT ["/usr/local/bin/drydock", "github"]
