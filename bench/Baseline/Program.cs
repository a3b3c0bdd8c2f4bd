// A plain YARP pass-through with no authentication at all: the yardstick for the gateway's own cost.
// Same host defaults as the gateway (WebApplication.CreateBuilder, default Kestrel limits, server GC);
// routes come from the ReverseProxy section, which bench/run.sh passes on the command line.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapReverseProxy();
app.Run();
