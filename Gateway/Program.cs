using Gateway.Hosting;
using Gateway.Identity;
using Gateway.Observability;

if (args is [PasswordHashCommand.Name, ..])
{
    return PasswordHashCommand.Run(Console.In, Console.Out, Console.Error);
}
if (args is [HealthCheckCommand.Name, .. var healthArgs])
{
    return await HealthCheckCommand.RunAsync(healthArgs, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddSsoGateway();
    app = builder.Build();
    app.ValidateGatewayConfiguration();
    app.MapSsoGateway();
}
catch (Exception ex) when (StartupErrors.Describe(ex) is { } messages)
{
    await StartupErrors.PrintAsync(messages);
    return 1;
}
return await app.RunGatewayAsync();
