# One image for every counter-lab service: `docker compose` passes the service kind (region,
# gateway, coordinator or strong) as the command. `./lab up` runs the same jar without Docker.
#
# Needs BuildKit (the default builder of Docker Engine 23 and newer, and of `docker compose`)
# for the Maven cache mount.

# --- Build stage: the shaded jar, built the way ./lab builds it -------------------------------
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# One COPY per module of the root pom.xml: a module added there must be added here too.
COPY pom.xml ./
COPY common common
COPY region-verticle region-verticle
COPY gateway-verticle gateway-verticle
COPY coordinator-verticle coordinator-verticle
COPY strong-verticle strong-verticle
COPY launcher launcher
# The tests run in CI (mvn verify); the system tests need six JVMs and are no image-build step.
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -q -DskipTests package

# --- Runtime stage -------------------------------------------------------------------------------
FROM eclipse-temurin:17.0.13_11-jre-noble
# The compose healthchecks call curl, and set-cluster-host calls hostname. The Ubuntu-based
# eclipse-temurin images install curl (adoptium/containers, 17/jre/ubuntu/noble/Dockerfile), and
# hostname is an essential Ubuntu package; this step fails the build if a new base image drops them.
RUN command -v curl && command -v hostname
RUN groupadd --system counterlab \
    && useradd --system --gid counterlab --home-dir /app --no-create-home --shell /usr/sbin/nologin counterlab
WORKDIR /app
COPY --from=build /src/launcher/target/counter-lab.jar /app/counter-lab.jar
COPY docker/set-cluster-host /app/set-cluster-host
RUN chmod 0755 /app/set-cluster-host
# Region nodes keep their store in DATA_DIR=/app/data (docker-compose.yml mounts a volume there).
# /app belongs to root, so the folder is created here for the service user.
RUN mkdir /app/data && chown counterlab:counterlab /app/data
USER counterlab
# Heap size comes from JAVA_TOOL_OPTIONS (docker-compose.yml sets -Xms128m -Xmx384m -Xmn64m), so it can be
# changed without rebuilding the image.
ENTRYPOINT ["/app/set-cluster-host", "java", "-XX:+UseSerialGC", "-jar", "/app/counter-lab.jar"]
CMD ["region"]
