# syntax=docker/dockerfile:1
#
# SsoGateway container image. Build from the repository root:
#   docker build -t ssogateway .
# Run with the deployment's configuration mounted at /app/config (gateway.json + users.json, see config/):
#   docker run -p 8080:8080 -v "$PWD/config:/app/config:ro" ssogateway
# The gateway speaks plain HTTP on 8080; put a TLS-terminating proxy in front (deploy/nginx, deploy/README.md).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore from the project file alone, so the package layer is reused while only source files change.
# (Copy any future Directory.Build.props, Directory.Packages.props, NuGet.config or global.json here too.)
COPY Gateway/Gateway.csproj Gateway/
RUN dotnet restore Gateway/Gateway.csproj
COPY Gateway/ Gateway/
RUN dotnet publish Gateway/Gateway.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
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
