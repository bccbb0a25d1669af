# oauthcheck as a container image: the binary with the shipped suites and
# the catalogue compiled in (build.rs embeds suites/*.yaml), on a distroless
# base, running as a non-root user.
#
#   docker build -t oauthcheck .
#   docker run --rm oauthcheck run                  # against the embedded reference server
#   docker run --rm --network host -v "$PWD:/work" -w /work \
#     -e APP_SECRET -e ALICE_PASSWORD oauthcheck run --target my-as.yaml --report-dir reports
#
# Linted by hadolint in .ci/run.

# Build stage. Not 1.88 (Cargo.toml's rust-version): serde-saphyr in
# Cargo.lock needs 1.89; 1.95 is the toolchain the tests ran on.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so that editing the sources reuses their layer.
COPY Cargo.toml Cargo.lock build.rs ./
COPY benches ./benches
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo fetch --locked \
    && rm -rf src
COPY src ./src
COPY suites ./suites
COPY catalogue ./catalogue
COPY templates ./templates
COPY fixtures ./fixtures
RUN cargo build --release --locked --bin oauthcheck \
    && strip target/release/oauthcheck \
    && ./target/release/oauthcheck validate suites/

# Final stage: glibc and libgcc only (distroless "cc"), no shell, user 65532 (distroless "nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/oauthcheck /usr/local/bin/oauthcheck
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/oauthcheck"]
CMD ["--help"]
