# syntax=docker/dockerfile:1
#
# SsoGateway container image. Build from the repository root:
#   docker build -t ssogateway .
# Run with the deployment's configuration mounted at /app/config (gateway.json + users.json, see config/):
#   docker run -p 8080:8080 -v "$PWD/config:/app/config:ro" ssogateway
# The gateway speaks plain HTTP on 8080; put a TLS-terminating proxy in front (deploy/nginx, deploy/README.md).

# The base images are pinned by digest (a tag moves: the image you tested would not be the image you ship).
# Both digests name the multi-platform manifest list of the 10.0 tag at one moment; they were taken from public
# Dockerfiles that pin the same pair, not pulled here (this repository's machines have no registry access). Refresh
# both together, e.g. monthly for the runtime's security fixes, and rebuild:
#   docker buildx imagetools inspect mcr.microsoft.com/dotnet/sdk:10.0    --format '{{json .Manifest.Digest}}'
#   docker buildx imagetools inspect mcr.microsoft.com/dotnet/aspnet:10.0 --format '{{json .Manifest.Digest}}'
# (or `docker pull <image>:10.0` and read "Digest:"). DeployManifestsTests checks that both stay pinned.
FROM mcr.microsoft.com/dotnet/sdk:10.0@sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c AS build
WORKDIR /src
# Restore from the project file and its lock file alone, so the package layer is reused while only source files
# change. Locked mode: exactly the packages (and content hashes) of Gateway/packages.lock.json, or the build fails.
# Directory.Build.props turns the lock file on and keeps NuGet's vulnerability audit as warnings, not errors.
COPY Directory.Build.props ./
COPY Gateway/Gateway.csproj Gateway/packages.lock.json Gateway/
RUN dotnet restore Gateway/Gateway.csproj --locked-mode
COPY Gateway/ Gateway/
RUN dotnet publish Gateway/Gateway.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0@sha256:a4556ed033fa96f984bb7a8d348851cb2d36b1281dd2420070045f664fbb5f94 AS runtime
WORKDIR /app
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production
COPY --from=build /app .
# The mount point for the deployment's configuration: config/gateway.json (optional settings, loaded after
# appsettings.json and before environment variables) and config/users.json (the default Sso:UsersFile).
# Mount it read-only; the gateway watches users.json and reloads it without a restart.
RUN mkdir -p /app/config
# The non-root user the .NET images provide (APP_UID=1654, user "app").
USER $APP_UID
EXPOSE 8080
# The runtime image has no curl or wget: the gateway itself asks http://127.0.0.1:$ASPNETCORE_HTTP_PORTS/_sso/healthz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/Gateway.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Gateway.dll"]
