# orchestrate in a container: built from Debian 12's packages, run as a non-root user.
#   podman build -t orchestrate .        (scripts/container-test.sh builds and tests it offline)
# The image holds the example project in /app; mount your own manifest and migrations (or a ConfigMap)
# and pass -f, or build FROM this image and COPY them into /app.

FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake ninja-build g++ pkg-config \
      libboost-dev libboost-filesystem-dev libpqxx-dev libpg-query-dev libtomlplusplus-dev libspdlog-dev \
      libfmt-dev libcli11-dev nlohmann-json3-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY orchestrator orchestrator
COPY plugins plugins
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && ninja -C build orchestrate \
 && strip -o /orchestrate build/orchestrate
# The runtime packages are the ones that own the shared libraries the binary links: computed, not listed.
RUN ldd /orchestrate | awk '/=> \// {print $3}' | xargs -r realpath | xargs -r dpkg -S 2>/dev/null \
      | cut -d: -f1 | sort -u > /runtime-packages \
 && cat /runtime-packages

FROM debian:12-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(cat /tmp/runtime-packages) python3-alembic python3-psycopg2 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin orchestrate \
 && mkdir -p /app && chown 10001:10001 /app
COPY --from=build /orchestrate /usr/bin/orchestrate
COPY --chown=10001:10001 services.toml /app/services.toml
COPY --chown=10001:10001 examples /app/examples
USER 10001
WORKDIR /app
ENTRYPOINT ["orchestrate"]
CMD ["--help"]
